package dev.vramcalc.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vramcalc.cli.Main;
import dev.vramcalc.io.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The REST API against the real server on port 0: the CLI's documents, errors with status codes, limits, the OpenAPI document. */
class ApiTest {

  static ApiServer server;
  static HttpClient http;

  @BeforeAll
  static void start() throws IOException {
    server = ApiServer.start("127.0.0.1", 0, 4, false);
    http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  @AfterAll
  static void stop() {
    server.stop();
  }

  record Reply(int status, String body) {
    @SuppressWarnings("unchecked")
    Map<String, Object> json() {
      return (Map<String, Object>) Json.parse(body, "response");
    }
  }

  static Reply post(String path, String body) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(60)).build(),
        HttpResponse.BodyHandlers.ofString());
    return new Reply(r.statusCode(), r.body());
  }

  static Reply get(String path) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    return new Reply(r.statusCode(), r.body());
  }

  static String cli(String... args) {
    StringWriter out = new StringWriter();
    Main.run(args, new PrintWriter(out), new PrintWriter(new StringWriter()));
    return out.toString().trim();
  }

  @Test
  void everyEndpointReturnsTheSameDocumentAsTheCli() throws Exception {
    String[][] cases = {
        {"params", "{\"model\":\"llama-3.1-8b\",\"gpu\":\"rtx-4090\"}", "params llama-3.1-8b --gpu rtx-4090"},
        {"infer", "{\"model\":\"llama-3.1-8b\",\"gpu\":\"rtx-4090\",\"batch\":4,\"seq_len\":8192,\"weights\":\"q4_k_m\"}",
            "infer llama-3.1-8b --gpu rtx-4090 --batch 4 --seq-len 8192 --weights q4_k_m"},
        {"infer", "{\"model\":\"qwen2-7b-instruct\",\"gpu\":\"a100-sxm-80gb\",\"engine\":\"vllm\",\"gpu_memory_utilization\":0.5,\"max_model_len\":16384}",
            "infer qwen2-7b-instruct --gpu a100-sxm-80gb --engine vllm --gpu-memory-utilization 0.5 --max-model-len 16384"},
        {"train", "{\"model\":\"llama-3.2-3b\",\"gpu\":\"l40s\",\"method\":\"lora\",\"lora_rank\":32,\"lora_targets\":[\"q_proj\",\"v_proj\"],\"micro_batch\":4,\"seq_len\":768}",
            "train llama-3.2-3b --gpu l40s --method lora --lora-rank 32 --lora-targets q_proj,v_proj --micro-batch 4 --seq-len 768"},
        {"max-batch", "{\"model\":\"llama-3.1-8b\",\"gpu\":\"rtx-4090\",\"seq_len\":2048,\"curve\":true}", "max-batch llama-3.1-8b --gpu rtx-4090 --seq-len 2048 --curve"},
        {"max-context", "{\"model\":\"llama-3.1-8b\",\"gpu\":\"h100-sxm-80gb\",\"train\":true,\"method\":\"qlora\"}",
            "max-context llama-3.1-8b --gpu h100-sxm-80gb --train --method qlora"},
        {"fit", "{\"model\":\"qwen2.5-7b\",\"seq_len\":8192}", "fit qwen2.5-7b --seq-len 8192"},
        {"plan", "{\"model\":\"llama-3.1-70b\",\"gpu\":\"h100-sxm-80gb\",\"gpus\":8,\"engine\":\"vllm\"}", "plan llama-3.1-70b --gpu h100-sxm-80gb --gpus 8 --engine vllm"},
        {"roofline", "{\"model\":\"llama-3.1-8b\",\"gpu\":\"h100-sxm-80gb\",\"seq_len\":1024}", "roofline llama-3.1-8b --gpu h100-sxm-80gb --seq-len 1024"},
    };
    List<String> covered = new ArrayList<>();
    for (String[] c : cases) {
      Reply r = post("/api/v1/" + c[0], c[1]);
      assertThat(r.status()).as(c[0] + " " + r.body()).isEqualTo(200);
      String expected = cli((c[2] + " --json").split(" "));
      Map<String, Object> a = r.json();
      @SuppressWarnings("unchecked")
      Map<String, Object> b = (Map<String, Object>) Json.parse(expected, "cli");
      if (c[0].equals("plan")) {
        a.remove("search_seconds");
        b.remove("search_seconds");
      }
      assertThat(a).as(c[0]).isEqualTo(b);
      covered.add(c[0]);
    }
    assertThat(covered).containsAll(RestMapper.COMMANDS);
    assertThat(get("/api/v1/models").json()).isEqualTo(Json.parse(cli("models", "--json"), "cli"));
    assertThat(get("/api/v1/gpus").json()).isEqualTo(Json.parse(cli("gpus", "--json"), "cli"));
  }

  @Test
  void badInputIs400WithTheFieldUnknownModelsAre404() throws Exception {
    Reply negative = post("/api/v1/infer", "{\"model\":\"llama-3.1-8b\",\"gpu\":\"rtx-4090\",\"batch\":-1}");
    Reply text = post("/api/v1/infer", "{\"model\":\"llama-3.1-8b\",\"gpu\":\"rtx-4090\",\"batch\":\"many\"}");
    Reply unknownField = post("/api/v1/infer", "{\"model\":\"llama-3.1-8b\",\"gpu\":\"rtx-4090\",\"batchsize\":4}");
    Reply badEnum = post("/api/v1/train", "{\"model\":\"llama-3.1-8b\",\"gpu\":\"rtx-4090\",\"optimizer\":\"adamx\"}");
    Reply notJson = post("/api/v1/infer", "{model: llama}");
    Reply unknownModel = post("/api/v1/infer", "{\"model\":\"no-such-model\",\"gpu\":\"rtx-4090\"}");
    Reply unknownGpu = post("/api/v1/infer", "{\"model\":\"llama-3.1-8b\",\"gpu\":\"rtx-9090\"}");
    Reply path = post("/api/v1/params", "{\"model\":\"../../etc/config.json\"}");
    Reply blocked = post("/api/v1/params", "{\"model\":\"llama-3.1-8b\",\"cache_dir\":\"/tmp\"}");
    Reply nested = post("/api/v1/infer", "{\"model\":\"llama-3.1-8b\",\"gpu\":{\"id\":\"x\"}}");
    Reply atFile = post("/api/v1/train", "{\"model\":\"@/etc/hostname\"}");
    // a model value that looks like a flag is a model name (after picocli's "--"), never help, version or a blocked flag
    Reply helpModel = post("/api/v1/infer", "{\"model\":\"--help\",\"gpu\":\"rtx-4090\"}");
    Reply versionModel = post("/api/v1/infer", "{\"model\":\"--version\",\"gpu\":\"rtx-4090\"}");
    Reply flagModel = post("/api/v1/params", "{\"model\":\"--cache-dir=/tmp/x\"}");

    assertThat(negative.status()).isEqualTo(400);
    assertThat(negative.json().get("error")).asString().contains("field=batch");
    assertThat(text.status()).isEqualTo(400);
    assertThat(text.body()).contains("many");
    assertThat(unknownField.status()).isEqualTo(400);
    assertThat(unknownField.body()).contains("unknown field 'batchsize'");
    assertThat(badEnum.status()).isEqualTo(400);
    assertThat(badEnum.body()).contains("adamx");
    assertThat(notJson.status()).isEqualTo(400);
    assertThat(unknownModel.status()).isEqualTo(404);
    assertThat(unknownGpu.status()).isEqualTo(404);
    assertThat(path.status()).isEqualTo(400);
    assertThat(path.body()).contains("local path");
    assertThat(blocked.status()).isEqualTo(400);
    assertThat(nested.status()).isEqualTo(400);
    // picocli's @file expansion is off: the value is a (missing) model name, never a file read as arguments
    assertThat(atFile.status()).isIn(400, 404);
    assertThat(atFile.body()).doesNotContain("argument file");
    for (Reply r : List.of(helpModel, versionModel, flagModel)) {
      assertThat(r.status()).as(r.body()).isEqualTo(404);
      assertThat(r.json().get("error")).asString().contains("unknown model");
    }
    for (Reply r : List.of(negative, text, unknownField, badEnum, notJson, unknownModel, unknownGpu, path, blocked, nested, atFile, helpModel, versionModel, flagModel)) {
      assertThat(r.body()).doesNotContain("Exception").doesNotContain("\tat ");
      assertThat(r.json()).containsKey("error");
    }
  }

  @Test
  void oversizedBodiesAre413AndUnknownRoutes404() throws Exception {
    Reply big = post("/api/v1/infer", "{\"model\":\"" + "x".repeat(70_000) + "\"}");
    Reply route = post("/api/v1/nothing", "{}");
    Reply method = get("/api/v1/infer");

    assertThat(big.status()).isEqualTo(413);
    assertThat(route.status()).isEqualTo(404);
    assertThat(method.status()).isEqualTo(404);
    assertThat(get("/nothing.html").status()).isEqualTo(404);
  }

  @Test
  @SuppressWarnings("unchecked")
  void theOpenApiDocumentParsesAndListsEveryRouteAndField() throws Exception {
    Map<String, Object> doc = get("/api/v1/openapi.json").json();
    Map<String, Object> paths = (Map<String, Object>) doc.get("paths");

    assertThat(doc.get("openapi")).isEqualTo("3.1.0");
    for (String c : RestMapper.COMMANDS) {
      assertThat(paths).containsKey("/api/v1/" + c);
    }
    assertThat(paths).containsKeys("/api/v1/models", "/api/v1/gpus", "/api/v1/openapi.json");
    Map<String, Object> infer = (Map<String, Object>) ((Map<String, Object>) paths.get("/api/v1/infer")).get("post");
    Map<String, Object> schema = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) infer.get("requestBody"))
        .get("content")).get("application/json")).get("schema");
    Map<String, Object> props = (Map<String, Object>) schema.get("properties");
    assertThat(props).containsKeys("model", "gpu", "batch", "seq_len", "gpu_memory_utilization", "max_model_len", "ctx_size", "engine");
    assertThat((Map<String, Object>) props.get("batch")).containsEntry("type", "integer");
    assertThat((Map<String, Object>) props.get("enforce_eager")).containsEntry("type", "boolean");
    assertThat(props).doesNotContainKeys("cache_dir", "json", "stacktrace");
    // every documented field is accepted by the server: a body of that field alone is never "unknown field"
    picocli.CommandLine.Model.CommandSpec inferSpec = RestMapper.command(Main.commandLine(), "infer");
    for (String field : props.keySet()) {
      String type = (String) ((Map<String, Object>) props.get(field)).get("type");
      assertThat(type).isIn("string", "integer", "number", "boolean", "array");
      Object sample = switch (type) {
        case "integer" -> 1L;
        case "number" -> 0.5;
        case "boolean" -> Boolean.TRUE;
        case "array" -> List.of("1");
        default -> "x";
      };
      assertThat(RestMapper.arguments(inferSpec, Map.of(field, sample), false)).as(field).hasSizeGreaterThan(2);
    }
    assertThat(props).hasSizeGreaterThan(30);
  }

  @Test
  void aSlowClientDoesNotBlockOthers() throws Exception {
    try (Socket slow = new Socket("127.0.0.1", server.port())) {
      OutputStream o = slow.getOutputStream();
      o.write("POST /api/v1/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"mo".getBytes(StandardCharsets.US_ASCII));
      o.flush();
      // while it dawdles, others are served
      long t0 = System.nanoTime();
      Reply r = post("/api/v1/infer", "{\"model\":\"llama-3.1-8b\",\"gpu\":\"rtx-4090\"}");
      assertThat(r.status()).isEqualTo(200);
      assertThat((System.nanoTime() - t0) / 1e9).isLessThan(5);
      slow.setSoTimeout(20_000);
      InputStream in = slow.getInputStream();
      // the server drops it after its request timeout instead of waiting forever
      // (a read timeout here means the server held the connection open for 20 s: a failure, not a drop)
      int b;
      try {
        b = in.read();
      } catch (java.net.SocketException e) {
        b = -1; // reset by the server: dropped
      }
      assertThat(b).isIn(-1, (int) 'H');
    }
  }

  @Test
  void thePageAndChartLibraryAreServed() throws Exception {
    Reply page = get("/");
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.body()).contains("<title>vramcalc").contains("/webjars/chart.js/4.5.1/dist/chart.umd.min.js").contains("/app.js");
    assertThat(get("/webjars/chart.js/4.5.1/dist/chart.umd.min.js").body()).contains("Chart");
    assertThat(get("/app.js").body()).contains("/api/v1/");
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyFieldOfEveryEndpointAnswersBadValuesWithoutA500() throws Exception {
    Map<String, String> base = Map.of(
        "params", "\"model\":\"llama-3.2-1b\"",
        "infer", "\"model\":\"llama-3.2-1b\",\"gpu\":\"rtx-4090\"",
        "train", "\"model\":\"llama-3.2-1b\",\"gpu\":\"h100-sxm-80gb\"",
        "max-batch", "\"model\":\"llama-3.2-1b\",\"gpu\":\"rtx-4090\"",
        "max-context", "\"model\":\"llama-3.2-1b\",\"gpu\":\"rtx-4090\"",
        "roofline", "\"model\":\"llama-3.2-1b\",\"gpu\":\"h100-sxm-80gb\"",
        "plan", "\"model\":\"llama-3.2-1b\",\"gpu\":\"h100-sxm-80gb\",\"gpus\":2",
        "fit", "\"model\":\"llama-3.2-1b\",\"segment\":\"datacenter\",\"max_gpus\":2");
    Map<String, Object> paths = (Map<String, Object>) get("/api/v1/openapi.json").json().get("paths");
    List<String> values = List.of("0", "-1", "99999999999999999999", "1e308", "\"abc\"", "true", "[1,2]", "{}", "null", "\"\"");
    int requests = 0;
    for (String c : RestMapper.COMMANDS) {
      Map<String, Object> post = (Map<String, Object>) ((Map<String, Object>) paths.get("/api/v1/" + c)).get("post");
      Map<String, Object> props = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) post
          .get("requestBody")).get("content")).get("application/json")).get("schema")).get("properties");
      for (String field : props.keySet()) {
        if (field.equals("model") || field.equals("gpu") || field.equals("gpus") || field.equals("segment") || field.equals("max_gpus")) {
          continue;
        }
        for (String v : values) {
          Reply r = post("/api/v1/" + c, "{" + base.get(c) + ",\"" + field + "\":" + v + "}");
          assertThat(r.status()).as(c + " " + field + "=" + v + ": " + r.body()).isIn(200, 400, 404);
          assertThat(r.body()).doesNotContain("Exception");
          requests++;
        }
      }
    }
    assertThat(requests).isGreaterThan(1000);
  }
}
