package dev.vramcalc.server;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vramcalc.cli.Main;
import dev.vramcalc.core.BadInputException;
import dev.vramcalc.io.json.Json;
import dev.vramcalc.io.json.JsonException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
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
