package dev.vramcalc.server;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** Returns the OpenAPI 3.1 document of the API, generated from the same command specs the server maps bodies onto. */
final class OpenApi {

  private OpenApi() {}

  static Map<String, Object> document(CommandLine root) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("openapi", "3.1.0");
    doc.put("info", Map.of("title", "vramcalc", "version", "0.1.0",
        "description", "GPU memory, fit and speed of AI models. Each POST endpoint runs the CLI command of the same name: body keys are its flags in snake_case."));
    Map<String, Object> paths = new LinkedHashMap<>();
    for (String name : RestMapper.COMMANDS) {
      CommandSpec spec = RestMapper.command(root, name);
      Map<String, Object> props = new LinkedHashMap<>();
      props.put("model", Map.of("type", "string", "description", "A catalog id (llama-3.1-8b) or a Hugging Face id (owner/name, or owner/name:QUANT for GGUF)"));
      for (OptionSpec o : spec.options()) {
        String flag = o.longestName();
        if (!RestMapper.exposed(o)) {
          continue;
        }
        Map<String, Object> p = new LinkedHashMap<>();
        p.putAll(schema(o));
        String[] d = o.description();
        p.put("description", d.length == 0 ? flag : String.join(" ", d).replace("%%", "%"));
        props.put(flag.substring(2).replace('-', '_'), p);
      }
      Map<String, Object> op = new LinkedHashMap<>();
      op.put("operationId", name.replace("-", "_"));
      op.put("summary", String.join(" ", spec.usageMessage().description()));
      op.put("requestBody", Map.of("required", true, "content", Map.of("application/json", Map.of("schema",
          Map.of("type", "object", "additionalProperties", false, "properties", props)))));
      op.put("responses", responses());
      paths.put("/api/v1/" + name, Map.of("post", op));
    }
    for (String name : List.of("models", "gpus")) {
      Map<String, Object> op = new LinkedHashMap<>();
      op.put("operationId", name);
      op.put("summary", name.equals("models") ? "The bundled model catalog" : "The GPU catalog");
      op.put("responses", Map.of("200", Map.of("description", "the catalog", "content", Map.of("application/json", Map.of("schema", Map.of("type", "object"))))));
      paths.put("/api/v1/" + name, Map.of("get", op));
    }
    paths.put("/api/v1/openapi.json", Map.of("get", Map.of("operationId", "openapi", "summary", "This document",
        "responses", Map.of("200", Map.of("description", "the OpenAPI document")))));
    doc.put("paths", paths);
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("type", "object");
    error.put("properties", Map.of("error", Map.of("type", "object", "properties", Map.of("code", Map.of("type", "string"), "message", Map.of("type", "string"),
        "field", Map.of("type", "string")), "required", List.of("code", "message"))));
    doc.put("components", Map.of("schemas", Map.of("Error", error)));
    return doc;
  }

  private static Map<String, Object> responses() {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("200", Map.of("description", "the command's JSON document (the same as the CLI's --json)",
        "content", Map.of("application/json", Map.of("schema", Map.of("type", "object")))));
    Map<String, Object> err = Map.of("application/json", Map.of("schema", Map.of("$ref", "#/components/schemas/Error")));
    r.put("400", Map.of("description", "bad input: the error names the field", "content", err));
    r.put("404", Map.of("description", "unknown model or GPU", "content", err));
    r.put("413", Map.of("description", "body larger than 64 KiB", "content", err));
    return r;
  }

  private static Map<String, Object> schema(OptionSpec o) {
    Class<?> t = o.type();
    if (RestMapper.isSwitch(o)) {
      return Map.of("type", "boolean");
    }
    if (o.isMultiValue()) {
      List<Object> items = new ArrayList<>();
      Class<?> aux = o.auxiliaryTypes().length > 0 ? o.auxiliaryTypes()[0] : String.class;
      items.add(aux == Double.class || aux == double.class ? "number" : aux == Integer.class || aux == Long.class ? "integer" : "string");
      return Map.of("type", "array", "items", Map.of("type", items.get(0)));
    }
    if (t == int.class || t == Integer.class || t == long.class || t == Long.class) {
      return Map.of("type", "integer");
    }
    if (t == double.class || t == Double.class) {
      return Map.of("type", "number");
    }
    if (t == boolean.class || t == Boolean.class) {
      return Map.of("type", "boolean");
    }
    return Map.of("type", "string");
  }
}
