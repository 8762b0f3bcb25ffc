package dev.vramcalc.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.vramcalc.cli.Main;
import dev.vramcalc.core.BadInputException;
import dev.vramcalc.io.json.Json;
import dev.vramcalc.io.json.JsonException;
import dev.vramcalc.io.json.JsonWriter;
import dev.vramcalc.io.report.Documents;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The REST API and the web page: {@code POST /api/v1/<command>} runs the CLI command of that name
 * with the body's fields as flags and returns its JSON document; {@code GET /api/v1/models},
 * {@code /api/v1/gpus} and {@code /api/v1/openapi.json}; the page and its scripts from the classpath.
 *
 * <p>Limits: bodies up to {@link #MAX_BODY} bytes (413 beyond), request headers and bodies must
 * arrive within {@code maxReqTime} seconds and responses leave within {@code maxRspTime} (the JDK
 * server's own timers), a bounded pool of workers with a bounded queue (503 when full).
 */
public final class ApiServer {

  /** Largest request body accepted. */
  public static final int MAX_BODY = 64 * 1024;

  private final HttpServer http;
  private final ThreadPoolExecutor pool;
  private final boolean allowLocalFiles;
  // one command line per worker, reused; no variable interpolation: the API never prints usage text (the only place
  // picocli's own ${...} variables appear), and interpolating every option on every parse was a tenth of a request
  private final ThreadLocal<CommandLine> commands = ThreadLocal.withInitial(() -> Main.commandLine().setInterpolateVariables(false));
  private final byte[] openApi;

  private ApiServer(HttpServer http, ThreadPoolExecutor pool, boolean allowLocalFiles) {
    this.http = http;
    this.pool = pool;
    this.allowLocalFiles = allowLocalFiles;
    this.openApi = JsonWriter.write(OpenApi.document(Main.commandLine())).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Starts a server.
   *
   * @param port 0 for any free port
   * @param threads worker threads
   */
  public static ApiServer start(String host, int port, int threads, boolean allowLocalFiles) throws IOException {
    // the JDK server's timers: a request must arrive within 10 s, a response leave within 60 s
    System.setProperty("sun.net.httpserver.maxReqTime", System.getProperty("sun.net.httpserver.maxReqTime", "10"));
    System.setProperty("sun.net.httpserver.maxRspTime", System.getProperty("sun.net.httpserver.maxRspTime", "60"));
    System.setProperty("sun.net.httpserver.maxReqHeaders", System.getProperty("sun.net.httpserver.maxReqHeaders", "100"));
    // TCP_NODELAY: without it the headers and the body of a response wait on the client's delayed ACK (about 40 ms each)
    System.setProperty("sun.net.httpserver.nodelay", "true");
    HttpServer http = HttpServer.create(new InetSocketAddress(host, port), 1024);
    ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(4096),
        r -> {
          Thread t = new Thread(r, "vramcalc-http");
          t.setDaemon(true);
          return t;
        }, new ThreadPoolExecutor.AbortPolicy());
    ApiServer server = new ApiServer(http, pool, allowLocalFiles);
    http.setExecutor(pool);
    http.createContext("/", server::handle);
    http.start();
    return server;
  }

  public int port() {
    return http.getAddress().getPort();
  }

  public String address() {
    return "http://" + http.getAddress().getHostString() + ":" + port() + "/";
  }

  public void stop() {
    http.stop(0);
    pool.shutdownNow();
  }

  private void handle(HttpExchange ex) throws IOException {
    try {
      route(ex);
    } catch (RuntimeException e) {
      send(ex, 500, error("internal_error", "internal error", null), "application/json");
    } finally {
      ex.close();
    }
  }

  private void route(HttpExchange ex) throws IOException {
    URI uri = ex.getRequestURI();
    String path = uri.getRawPath();
    String method = ex.getRequestMethod();
    ex.getResponseHeaders().add("X-Content-Type-Options", "nosniff");
    if (path.startsWith("/api/v1/")) {
      String name = path.substring("/api/v1/".length());
      if (method.equals("GET")) {
        switch (name) {
          case "openapi.json" -> send(ex, 200, openApi, "application/json");
          case "models", "gpus" -> runCommand(ex, List.of(name, "--json"));
          default -> send(ex, 404, error("not_found", "no such endpoint: GET " + path, null), "application/json");
        }
        return;
      }
      if (!method.equals("POST")) {
        ex.getResponseHeaders().add("Allow", "GET, POST");
        send(ex, 405, error("method_not_allowed", method + " is not allowed on " + path, null), "application/json");
        return;
      }
      CommandSpec spec = RestMapper.command(commands.get(), name);
      if (spec == null) {
        send(ex, 404, error("not_found", "no such endpoint: POST " + path, null), "application/json");
        return;
      }
      byte[] body = readBody(ex);
      if (body == null) {
        send(ex, 413, error("too_large", "request body exceeds " + MAX_BODY + " bytes", null), "application/json");
        return;
      }
      Map<String, Object> parsed;
      List<String> args;
      try {
        String text = new String(body, StandardCharsets.UTF_8);
        parsed = text.isBlank() ? Map.of() : Json.parseObject(text, "request body");
        args = RestMapper.arguments(spec, parsed, allowLocalFiles);
      } catch (JsonException e) {
        send(ex, 400, error("bad_input", e.getMessage(), "body"), "application/json");
        return;
      } catch (BadInputException e) {
        send(ex, 400, error("bad_input", e.getMessage(), e.field()), "application/json");
        return;
      }
      runCommand(ex, args);
      return;
    }
    if (!method.equals("GET") && !method.equals("HEAD")) {
      send(ex, 405, error("method_not_allowed", method + " is not allowed on " + path, null), "application/json");
      return;
    }
    StaticFiles.serve(ex, path);
  }

  /** Runs a CLI command on this thread's command line and sends its JSON document with the status its outcome implies. */
  private void runCommand(HttpExchange ex, List<String> args) throws IOException {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    Main.Outcome outcome = Main.outcome(commands.get(), args.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
    String text = out.toString().trim();
    // the status from the error the command reported, not from its text: not_found 404, other bad input 400
    int status;
    if (outcome.exit() == 0) {
      status = 200;
    } else if ("not_found".equals(outcome.errorCode())) {
      status = 404;
    } else if (outcome.exit() == 2) {
      status = 400;
    } else {
      status = 500;
    }
    if (text.isEmpty()) {
      text = JsonWriter.write(Documents.error(status == 500 ? "internal_error" : "bad_input", err.toString().trim().replaceFirst("^vramcalc: ", ""), null));
    }
    send(ex, status, text.getBytes(StandardCharsets.UTF_8), "application/json");
  }

  /** Largest oversized body drained before answering 413, so that the client reads the answer; beyond it the connection just closes. */
  static final int MAX_DRAIN = 1 << 20;

  private static byte[] readBody(HttpExchange ex) throws IOException {
    try (InputStream in = ex.getRequestBody()) {
      byte[] b = in.readNBytes(MAX_BODY + 1);
      if (b.length <= MAX_BODY) {
        return b;
      }
      long drained = 0;
      byte[] sink = new byte[8192];
      int n;
      while (drained < MAX_DRAIN && (n = in.read(sink)) > 0) {
        drained += n;
      }
      return null;
    }
  }

  static byte[] error(String code, String message, String field) {
    return JsonWriter.write(Documents.error(code, message, field)).getBytes(StandardCharsets.UTF_8);
  }

  static void send(HttpExchange ex, int status, byte[] body, String type) throws IOException {
    ex.getResponseHeaders().set("Content-Type", type + (type.startsWith("text/") || type.endsWith("json") || type.endsWith("javascript") ? "; charset=utf-8" : ""));
    ex.getResponseHeaders().set("Cache-Control", type.equals("application/json") ? "no-store" : "public, max-age=300");
    boolean head = ex.getRequestMethod().equals("HEAD");
    ex.sendResponseHeaders(status, head ? -1 : (body.length == 0 ? -1 : body.length));
    if (!head && body.length > 0) {
      try (OutputStream o = ex.getResponseBody()) {
        o.write(body);
      }
    }
  }
}
