package dev.vramcalc.io.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.Model;
import dev.vramcalc.core.NotFoundException;
import dev.vramcalc.io.ModelResolver;
import dev.vramcalc.io.safetensors.SafetensorsBytes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hub client against hub-shaped servers on 127.0.0.1 (the hub) and 127.0.0.2 (its CDN): configs,
 * indexes, range requests on shards, cross-host redirects (the token must not follow), gated 401s,
 * 404s, slow, failing and truncated responses, the cache and offline mode.
 */
class HubTest {

  @TempDir Path cacheDir;

  HttpServer hub;
  HttpServer cdn;
  String endpoint;
  /** Every request: path, Authorization header (or "-"), Range header (or "-"), host. */
  final List<String[]> requests = Collections.synchronizedList(new ArrayList<>());
  final Map<String, byte[]> files = new HashMap<>();
  final Map<String, Long> sizes = new HashMap<>();
  final AtomicInteger flaky = new AtomicInteger();

  @BeforeEach
  void start() throws IOException {
    Model llama = ModelResolver.bundled().resolve("meta-llama/Llama-3.2-1B");
    byte[] config = ModelResolver.class.getResourceAsStream("/dev/vramcalc/io/catalog/models/meta-llama/Llama-3.2-1B/config.json").readAllBytes();
    // two shards: the first half of the tensors and the rest
    var tensors = llama.architecture().tensors();
    SafetensorsBytes a = new SafetensorsBytes().architecture(tensors.subList(0, tensors.size() / 2));
    SafetensorsBytes b = new SafetensorsBytes().architecture(tensors.subList(tensors.size() / 2, tensors.size()));
    StringBuilder index = new StringBuilder("{\"metadata\":{\"total_size\":" + (a.dataBytes() + b.dataBytes()) + "},\"weight_map\":{");
    for (int i = 0; i < tensors.size(); i++) {
      index.append(i == 0 ? "" : ",").append('"').append(tensors.get(i).name()).append("\":\"model-0000").append(i < tensors.size() / 2 ? 1 : 2).append("-of-00002.safetensors\"");
    }
    index.append("}}");
    String repo = "test-org/tiny-llama";
    put(repo + "/resolve/main/config.json", config);
    put(repo + "/resolve/main/model.safetensors.index.json", index.toString().getBytes(StandardCharsets.UTF_8));
    put(repo + "/resolve/main/model-00001-of-00002.safetensors", a.header());
    sizes.put("/" + repo + "/resolve/main/model-00001-of-00002.safetensors", a.fileSize());
    put("cdn/shard2", b.header());
    sizes.put("/cdn/shard2", b.fileSize());
    put("gated/model/resolve/main/config.json", config);
    dev.vramcalc.io.gguf.GgufBytes g = dev.vramcalc.io.gguf.GgufReaderTest.tiny();
    for (String f : List.of("tiny-Q8_0.gguf", "tiny-Q4_K_M.gguf")) {
      put("test-org/gguf-repo/resolve/main/" + f, g.header());
      sizes.put("/test-org/gguf-repo/resolve/main/" + f, g.fileSize());
    }
    put("flaky/model/resolve/main/config.json", config);

    hub = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    int port = hub.getAddress().getPort();
    cdn = HttpServer.create(new InetSocketAddress("127.0.0.2", port), 0);
    endpoint = "http://127.0.0.1:" + port;
    hub.createContext("/", ex -> handle(ex, "hub", port));
    cdn.createContext("/", ex -> handle(ex, "cdn", port));
    hub.start();
    cdn.start();
  }

  private void put(String path, byte[] body) {
    files.put("/" + path, body);
  }

  @AfterEach
  void stop() {
    hub.stop(0);
    cdn.stop(0);
  }

  private void handle(HttpExchange ex, String host, int port) throws IOException {
    String path = ex.getRequestURI().getRawPath();
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    String range = ex.getRequestHeaders().getFirst("Range");
    requests.add(new String[] {path, auth == null ? "-" : auth, range == null ? "-" : range, host});
    try (InputStream in = ex.getRequestBody()) {
      in.readAllBytes();
    }
    if (host.equals("hub") && path.endsWith("/model-00002-of-00002.safetensors")) {
      ex.getResponseHeaders().add("Location", "http://127.0.0.2:" + port + "/cdn/shard2");
      ex.sendResponseHeaders(302, -1);
      ex.close();
      return;
    }
    if (path.startsWith("/gated/") && !"Bearer hf_good".equals(auth)) {
      ex.sendResponseHeaders(401, -1);
      ex.close();
      return;
    }
    if (path.startsWith("/flaky/") && flaky.incrementAndGet() <= 2) {
      ex.sendResponseHeaders(503, -1);
      ex.close();
      return;
    }
    if (path.startsWith("/slow/")) {
      sleep(1500);
      ex.sendResponseHeaders(404, -1);
      ex.close();
      return;
    }
    if (path.startsWith("/truncated/")) {
      ex.sendResponseHeaders(200, 1000);
      try (OutputStream o = ex.getResponseBody()) {
        o.write(new byte[10]);
      } catch (IOException ignored) {
        // the client may hang up first
      }
      return;
    }
    if (path.startsWith("/api/models/test-org/gguf-repo/revision/main")) {
      send(ex, 200, "{\"siblings\":[{\"rfilename\":\"README.md\"},{\"rfilename\":\"tiny-Q8_0.gguf\"},{\"rfilename\":\"tiny-Q4_K_M.gguf\"}]}".getBytes(StandardCharsets.UTF_8), null);
      return;
    }
    byte[] body = files.get(path);
    if (body == null) {
      ex.sendResponseHeaders(404, -1);
      ex.close();
      return;
    }
    long size = sizes.getOrDefault(path, (long) body.length);
    if (range != null) {
      Matcher m = Pattern.compile("bytes=(\\d+)-(\\d+)").matcher(range);
      if (!m.matches()) {
        ex.sendResponseHeaders(416, -1);
        ex.close();
        return;
      }
      long from = Long.parseLong(m.group(1));
      long to = Math.min(Long.parseLong(m.group(2)), size - 1);
      byte[] part = new byte[(int) Math.max(0, to - from + 1)];
      for (int i = 0; i < part.length; i++) {
        long p = from + i;
        part[i] = p < body.length ? body[(int) p] : 0;
      }
      send(ex, 206, part, "bytes " + from + "-" + to + "/" + size);
      return;
    }
    send(ex, 200, body, null);
  }

  private static void send(HttpExchange ex, int status, byte[] body, String contentRange) throws IOException {
    if (contentRange != null) {
      ex.getResponseHeaders().add("Content-Range", contentRange);
    }
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream o = ex.getResponseBody()) {
      o.write(body);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private HubModels hub(String token, boolean offline) {
    HubClient client = new HubClient(endpoint, token, Duration.ofMillis(800), 10);
    return new HubModels(client, new HubModels.Options(token, "main", offline, cacheDir, null, null));
  }

  @Test
  void aShardedSafetensorsModelIsReadByRangeRequestsWithoutTheTokenLeavingTheHub() {
    Model m = hub("hf_secret", false).load("test-org/tiny-llama");

    assertThat(m.parameters()).isEqualTo(1_235_814_400L);
    assertThat(m.checkpointFormat().totalBytes(m.architecture(), false)).isEqualTo(2 * 1_235_814_400L);
    assertThat(m.provenance()).anyMatch(p -> p.contains("2 safetensors headers"));
    // ranges only, never a whole shard
    assertThat(requests).filteredOn(r -> r[0].contains("safetensors\"") || r[0].endsWith(".safetensors") || r[0].startsWith("/cdn/"))
        .allMatch(r -> !r[2].equals("-"));
    // the token went to the hub and never to the CDN the hub redirected to
    assertThat(requests).filteredOn(r -> r[3].equals("hub")).allMatch(r -> r[1].equals("Bearer hf_secret"));
    assertThat(requests).filteredOn(r -> r[3].equals("cdn")).isNotEmpty().allMatch(r -> r[1].equals("-"));
  }

  @Test
  void theCacheServesOfflineRunsAndNamesWhatIsMissing() throws IOException {
    hub(null, false).load("test-org/tiny-llama");
    int online = requests.size();
    hub.stop(0);
    cdn.stop(0);

    Model again = hub(null, true).load("test-org/tiny-llama");

    assertThat(again.parameters()).isEqualTo(1_235_814_400L);
    assertThat(requests).hasSize(online);
    assertThatThrownBy(() -> hub(null, true).load("test-org/other")).isInstanceOf(NotFoundException.class).hasMessageContaining("--offline")
        .hasMessageContaining("not in the cache");
    try (Stream<Path> all = Files.walk(cacheDir)) {
      assertThat(all.map(Path::toString)).noneMatch(p -> p.endsWith(".part"));
    }
  }

  @Test
  void revisionsWithSlashesAndDoubleHyphensHaveTheirOwnCacheEntries() {
    // "a/b" was stored as "a--b", the folder of the revision named "a--b" (found in review)
    HubCache cache = new HubCache(cacheDir, false);
    Path slash = cache.entry("test-org/tiny-llama", "a/b", "config.json");
    Path hyphens = cache.entry("test-org/tiny-llama", "a--b", "config.json");

    assertThat(slash).isNotEqualTo(hyphens);
    assertThat(slash.startsWith(cacheDir)).isTrue();
    assertThat(hyphens.startsWith(cacheDir)).isTrue();
  }

  @Test
  void gatedModelsSayHowToGetAccess() {
    assertThatThrownBy(() -> hub(null, false).load("gated/model")).isInstanceOf(BadInputException.class).hasMessageContaining("gated or private (HTTP 401)")
        .hasMessageContaining("no token was given");
    assertThatThrownBy(() -> hub("hf_wrong", false).load("gated/model")).hasMessageContaining("the token given was refused").satisfies(e ->
        assertThat(e.getMessage()).doesNotContain("hf_wrong"));
    assertThat(hub("hf_good", false).load("gated/model").parameters()).isEqualTo(1_235_814_400L);
  }

  @Test
  void missingReposAndFilesAreNotFound() {
    assertThatThrownBy(() -> hub(null, false).load("nobody/nothing")).isInstanceOf(NotFoundException.class).hasMessageContaining("nobody/nothing");
  }

  @Test
  void serverErrorsAreRetriedWithBackoff() {
    Model m = hub(null, false).load("flaky/model");

    assertThat(m.parameters()).isEqualTo(1_235_814_400L);
    assertThat(flaky.get()).isGreaterThanOrEqualTo(3);
  }

  @Test
  void slowAndTruncatedResponsesFailClearlyAfterRetries() {
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> hub(null, false).load("slow/model")).isInstanceOf(BadInputException.class).hasMessageContaining("after 3 attempts")
        .hasMessageContaining("timed out");
    assertThat((System.nanoTime() - t0) / 1e9).isLessThan(10);
    assertThatThrownBy(() -> hub(null, false).load("truncated/model")).isInstanceOf(BadInputException.class).hasMessageContaining("after 3 attempts");
  }

  @Test
  void idsThatCouldSteerRequestsElsewhereAreRefused() {
    for (String bad : List.of("../etc/passwd", "evil.com/../x", "a/b/c", "a/b?x=1", "a/b#f", "http://evil/x", "a/..")) {
      assertThatThrownBy(() -> hub(null, false).load(bad)).as(bad).isInstanceOf(BadInputException.class);
    }
    assertThatThrownBy(() -> new HubModels(new HubClient(endpoint, null, Duration.ofSeconds(1), 1), new HubModels.Options(null, "../main", false, cacheDir, null,
        null)).load("test-org/tiny-llama")).hasMessageContaining("--revision");
    assertThatThrownBy(() -> new HubClient("http://user:pw@127.0.0.1:1", null, Duration.ofSeconds(1), 1)).isInstanceOf(BadInputException.class);
    assertThat(requests).isEmpty();
  }

  @Test
  void ggufRepositoriesAreReadFromTheChosenFilesHeader() {
    Model m = hub(null, false).load("test-org/gguf-repo:Q8_0");

    assertThat(m.checkpointFormat().label()).isEqualTo("GGUF file (Q8_0)");
    assertThat(m.parameters()).isEqualTo(64 * 32 + 64 + 64 * 64 + 2 * 64 * 32 + 64 * 64 + 64 + 3 * 64 * 128 + 64 + 64 * 32);
    assertThat(requests).filteredOn(r -> r[0].endsWith(".gguf")).isNotEmpty().allMatch(r -> !r[2].equals("-"));
    assertThatThrownBy(() -> hub(null, false).load("test-org/gguf-repo")).isInstanceOf(BadInputException.class)
        .hasMessageContaining("has 2 GGUF files").hasMessageContaining("tiny-Q8_0.gguf");
  }
}
