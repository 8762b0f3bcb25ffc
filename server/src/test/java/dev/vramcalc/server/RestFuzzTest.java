package dev.vramcalc.server;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vramcalc.cli.Main;
import dev.vramcalc.core.BadInputException;
import dev.vramcalc.io.json.Json;
import dev.vramcalc.io.json.JsonException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/**
 * Jazzer fuzz target for the REST request path: body bytes → JSON → the command's arguments → the
 * command itself. Rejections by name are fine; an internal error (exit 1) or any exception is a
 * finding. Regression mode runs the seeds in {@code RestFuzzTestInputs/request/}.
 */
class RestFuzzTest {

  static final CommandLine COMMANDS = Main.commandLine();
  static final List<String> ROUTES = List.of("infer", "train", "max-batch", "max-context", "roofline", "params");

  static {
    // a Hugging Face id in a body would be fetched from the hub: the fuzzer stays offline (the cache
    // answers or the error names what is missing), and no connection may go anywhere else
    System.setProperty("vramcalc.offline", "true");
  }

  @FuzzTest(maxDuration = "5m")
  void request(byte[] data) {
    com.code_intelligence.jazzer.api.BugDetectors.allowNetworkConnections((host, port) -> host.equals("huggingface.co"));
    if (data.length == 0) {
      return;
    }
    String route = ROUTES.get((data[0] & 0xff) % ROUTES.size());
    String text = new String(data, 1, data.length - 1, StandardCharsets.UTF_8);
    Map<String, Object> body;
    try {
      body = Json.parseObject(text, "request body");
    } catch (JsonException e) {
      return;
    }
    run(route, body);
  }

  /** Models for the structured target: catalog ids of each family, and names that are not in the catalog. */
  static final List<String> MODELS = List.of("llama-3.1-8b", "qwen2.5-7b", "deepseek-v3", "mixtral-8x7b", "gpt-oss-20b", "gemma-2-9b",
      "llama-3.2-1b", "deepseek-v2-lite", "gemma-3-4b-it", "bert-base-uncased", "clip-vit-base-patch32", "no-such-model",
      "meta-llama/Llama-3.1-8B", "Qwen/Qwen3-30B-A3B");

  /**
   * The structured target: a body built from the command's own fields (every option of the route,
   * chosen by the fuzzer) with values of every JSON type (whole numbers near the edges, fractions,
   * strings, booleans, lists, null), so that the fuzzer explores the flags' values and their
   * combinations rather than JSON syntax.
   */
  @FuzzTest(maxDuration = "5m")
  void fields(FuzzedDataProvider data) {
    com.code_intelligence.jazzer.api.BugDetectors.allowNetworkConnections((host, port) -> host.equals("huggingface.co"));
    String route = data.pickValue(RestMapper.COMMANDS);
    List<String> fields = RestMapper.fields(RestMapper.command(COMMANDS, route));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", data.consumeBoolean() ? data.pickValue(MODELS) : data.consumeString(40));
    int n = data.consumeInt(0, 6);
    for (int i = 0; i < n && data.remainingBytes() > 0; i++) {
      body.put(data.pickValue(fields), value(data, 0));
    }
    run(route, body);
  }

  private static Object value(FuzzedDataProvider data, int depth) {
    switch (data.consumeInt(0, depth == 0 ? 6 : 5)) {
      case 0:
        return (long) data.consumeInt(-2, 1 << 20);
      case 1:
        return data.consumeLong();
      case 2:
        return data.consumeRegularDouble();
      case 3:
        return data.consumeString(24);
      case 4:
        return data.consumeBoolean();
      case 5:
        return Json.NULL;
      default:
        int size = data.consumeInt(0, 4);
        List<Object> list = new java.util.ArrayList<>();
        for (int i = 0; i < size; i++) {
          list.add(value(data, depth + 1));
        }
        return list;
    }
  }

  private static void run(String route, Map<String, Object> body) {
    List<String> args;
    try {
      args = RestMapper.arguments(RestMapper.command(COMMANDS, route), body, false);
    } catch (BadInputException e) {
      return;
    }
    StringWriter err = new StringWriter();
    int code = Main.execute(COMMANDS, args.toArray(String[]::new), new PrintWriter(new StringWriter()), new PrintWriter(err));
    if (code != 0 && code != 2) {
      throw new AssertionError("exit " + code + " for " + args + ": " + err);
    }
  }
}
