package dev.vramcalc.server;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Serves the page and the Chart.js WebJar from the classpath; nothing from the file system. */
final class StaticFiles {

  private static final Map<String, String> TYPES = Map.of("html", "text/html", "js", "text/javascript", "css", "text/css", "svg", "image/svg+xml",
      "json", "application/json", "png", "image/png", "ico", "image/x-icon");
  private static final Map<String, byte[]> CACHE = new ConcurrentHashMap<>();

  private StaticFiles() {}

  static void serve(HttpExchange ex, String path) throws IOException {
    String resource;
    if (path.equals("/") || path.equals("/index.html")) {
      resource = "/dev/vramcalc/server/web/index.html";
    } else if (path.matches("/(app\\.js|app\\.css|favicon\\.svg)")) {
      resource = "/dev/vramcalc/server/web" + path;
    } else if (path.equals("/webjars/chart.js/4.5.1/dist/chart.umd.min.js")) {
      resource = "/META-INF/resources" + path;
    } else {
      ApiServer.send(ex, 404, "not found\n".getBytes(StandardCharsets.UTF_8), "text/plain");
      return;
    }
    byte[] body = CACHE.computeIfAbsent(resource, StaticFiles::load);
    if (body.length == 0) {
      ApiServer.send(ex, 404, "not found\n".getBytes(StandardCharsets.UTF_8), "text/plain");
      return;
    }
    String ext = resource.substring(resource.lastIndexOf('.') + 1);
    if (ext.equals("html")) {
      ex.getResponseHeaders().set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'");
    }
    ApiServer.send(ex, 200, body, TYPES.getOrDefault(ext, "application/octet-stream"));
  }

  private static byte[] load(String resource) {
    try (InputStream in = StaticFiles.class.getResourceAsStream(resource)) {
      return in == null ? new byte[0] : in.readAllBytes();
    } catch (IOException e) {
      return new byte[0];
    }
  }
}
