package dev.vramcalc.io.hub;

import dev.vramcalc.core.BadInputException;
import dev.vramcalc.core.NotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Fetches files of a Hugging Face model repository: whole small files ({@code config.json}, index
 * files) and byte ranges of large ones (safetensors and GGUF headers).
 *
 * <p>Security: the token goes only to the endpoint's own host, and redirects are followed here, one
 * hop at a time, so a redirect to another host (the hub's CDN) never carries it; the token is never
 * printed. Repository ids, revisions and file names are validated before they become a URL.
 * Robustness: connect and request timeouts, up to {@link #ATTEMPTS} attempts with exponential backoff
 * on network errors, 429 and 5xx; clear errors for 401/403 (gated or private) and 404.
 */
public final class HubClient {

  public static final String DEFAULT_ENDPOINT = "https://huggingface.co";
  public static final int ATTEMPTS = 3;
  public static final int MAX_REDIRECTS = 5;
  /** Largest whole file fetched (configs and indexes are kilobytes to a few MiB). */
  public static final long MAX_SMALL_FILE = 16L << 20;

  private static final Pattern REPO = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}");
  private static final Pattern REVISION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]{0,199}");
  private static final Pattern FILE = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._/+-]{0,254}");

  private final URI endpoint;
  private final String token;
  private volatile HttpClient http;
  private final Duration timeout;
  private final long backoffMillis;

  /**
   * @param endpoint the hub's base URL ({@code HF_ENDPOINT}), http or https
   * @param token a user access token, or null
   * @param timeout the time allowed for one request
   * @param backoffMillis the wait before the second attempt (doubled for the third)
   */
  public HubClient(String endpoint, String token, Duration timeout, long backoffMillis) {
    URI e;
    try {
      e = URI.create(endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint);
    } catch (IllegalArgumentException ex) {
      throw new BadInputException("endpoint", "HF_ENDPOINT '" + endpoint + "' is not a URL");
    }
    if (e.getHost() == null || !("https".equals(e.getScheme()) || "http".equals(e.getScheme())) || e.getRawUserInfo() != null || e.getRawQuery() != null) {
      throw new BadInputException("endpoint", "HF_ENDPOINT '" + endpoint + "' must be an http(s) URL with a host and no credentials or query");
    }
    if (token != null && (token.isBlank() || !token.chars().allMatch(ch -> ch > 32 && ch < 127))) {
      throw new BadInputException("token", "the Hugging Face token must be printable ASCII without spaces");
    }
    this.endpoint = e;
    this.token = token;
    this.timeout = timeout;
    this.backoffMillis = backoffMillis;
  }

  /** Returns the HTTP client, built on the first fetch (most runs never fetch: the catalog answers). */
  private HttpClient client() {
    HttpClient c = http;
    if (c == null) {
      synchronized (this) {
        c = http;
        if (c == null) {
          c = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).connectTimeout(timeout).build();
          http = c;
        }
      }
    }
    return c;
  }

  /** Returns a client from the environment: HF_ENDPOINT and HF_TOKEN, unless a token is given. */
  public static HubClient fromEnvironment(String token) {
    String ep = System.getenv("HF_ENDPOINT");
    String tok = token != null ? token : System.getenv("HF_TOKEN");
    return new HubClient(ep == null || ep.isBlank() ? DEFAULT_ENDPOINT : ep, tok == null || tok.isBlank() ? null : tok.trim(), Duration.ofSeconds(30), 500);
  }

  public String endpointHost() {
    return endpoint.getHost();
  }

  /** Returns whether a string is a repository id this client accepts. */
  public static boolean isRepoId(String s) {
    return REPO.matcher(s).matches() && !s.contains("..");
  }

  static void validate(String repo, String revision, String file) {
    if (!isRepoId(repo)) {
      throw new BadInputException("model", "'" + repo + "' is not a Hugging Face repository id (owner/name of letters, digits, '.', '_', '-')");
    }
    if (!REVISION.matcher(revision).matches() || revision.contains("..") || revision.contains("//")) {
      throw new BadInputException("revision", "--revision '" + revision + "' must be a branch, tag or commit of letters, digits, '.', '_', '-', '/'");
    }
    if (!FILE.matcher(file).matches() || file.contains("..") || file.contains("//")) {
      throw new BadInputException("file", "'" + file + "' is not a file name inside a repository");
    }
  }

  private URI resolveUri(String repo, String revision, String file) {
    validate(repo, revision, file);
    StringBuilder path = new StringBuilder(endpoint.getRawPath() == null ? "" : endpoint.getRawPath());
    path.append('/').append(repo).append("/resolve/").append(URLEncoder.encode(revision, StandardCharsets.UTF_8));
    for (String part : file.split("/")) {
      path.append('/').append(URLEncoder.encode(part, StandardCharsets.UTF_8).replace("+", "%20"));
    }
    return URI.create(endpoint.getScheme() + "://" + endpoint.getRawAuthority() + path);
  }

  /** Returns the model-info JSON ({@code /api/models/<repo>/revision/<revision>}) listing the repository's files, or empty on 404. */
  public Optional<byte[]> modelInfo(String repo, String revision) throws IOException {
    validate(repo, revision, "config.json");
    String base = endpoint.getRawPath() == null ? "" : endpoint.getRawPath();
    URI uri = URI.create(endpoint.getScheme() + "://" + endpoint.getRawAuthority() + base + "/api/models/" + repo + "/revision/"
        + URLEncoder.encode(revision, StandardCharsets.UTF_8));
    Response r = get(uri, null, repo, "model info");
    return r == null ? Optional.empty() : Optional.of(r.body);
  }

  /** Returns the whole of a small file, or empty when the repository has no such file. */
  public Optional<byte[]> file(String repo, String revision, String file) throws IOException {
    Response r = get(resolveUri(repo, revision, file), null, repo, file);
    if (r == null) {
      return Optional.empty();
    }
    if (r.body.length > MAX_SMALL_FILE) {
      throw new BadInputException("model", repo + "/" + file + " is larger than " + MAX_SMALL_FILE + " bytes");
    }
    return Optional.of(r.body);
  }

  /**
   * Returns bytes {@code [offset, offset + length)} of a file and its total size (from
   * Content-Range), or null when the file does not exist.
   */
  public Range range(String repo, String revision, String file, long offset, int length) throws IOException {
    Response r = get(resolveUri(repo, revision, file), "bytes=" + offset + "-" + (offset + length - 1), repo, file);
    if (r == null) {
      return null;
    }
    long total = -1;
    if (r.status == 206 && r.contentRange != null) {
      int slash = r.contentRange.lastIndexOf('/');
      if (slash > 0 && !r.contentRange.endsWith("*")) {
        try {
          total = Long.parseLong(r.contentRange.substring(slash + 1).trim());
        } catch (NumberFormatException e) {
          total = -1;
        }
      }
    } else if (r.status == 200) {
      // the server ignored the range and sent the whole file: keep what was asked for
      total = r.body.length;
      byte[] part = new byte[(int) Math.max(0, Math.min(length, r.body.length - offset))];
      if (part.length > 0) {
        System.arraycopy(r.body, (int) offset, part, 0, part.length);
      }
      return new Range(part, total);
    }
    if (r.status == 206 && r.body.length > length) {
      throw new IOException(repo + "/" + file + ": the server sent " + r.body.length + " bytes for a " + length + "-byte range");
    }
    return new Range(r.body, total);
  }

  /** A fetched range and the file's size (-1 when unknown). */
  public record Range(byte[] bytes, long totalSize) {}

  private record Response(int status, byte[] body, String contentRange) {}

  /** Returns the response of a GET (following redirects), null on 404, or throws with a clear message. */
  private Response get(URI uri, String range, String repo, String file) throws IOException {
    IOException last = null;
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      if (attempt > 1) {
        sleep(backoffMillis << (attempt - 2));
      }
      try {
        Response r = follow(uri, range, repo, file);
        if (r.status == 429 || r.status >= 500) {
          last = new IOException("HTTP " + r.status + " from " + uri.getHost());
          continue;
        }
        return r.status == 404 ? null : r;
      } catch (java.net.http.HttpTimeoutException e) {
        last = new IOException("timed out after " + timeout.toMillis() + " ms fetching " + repo + "/" + file, e);
      } catch (IOException e) {
        last = e;
      }
    }
    throw new IOException("cannot fetch " + repo + "/" + file + " from " + endpoint.getHost() + " after " + ATTEMPTS + " attempts: " + message(last), last);
  }

  private static String message(IOException e) {
    return e == null ? "unknown error" : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  private Response follow(URI start, String range, String repo, String file) throws IOException {
    URI uri = start;
    for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
      HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout).GET().header("User-Agent", "vramcalc/0.1");
      if (range != null) {
        b.header("Range", range);
      }
      // the token only ever goes to the endpoint's own host, over the endpoint's scheme
      if (token != null && endpoint.getHost().equalsIgnoreCase(uri.getHost()) && endpoint.getScheme().equals(uri.getScheme())
          && endpoint.getPort() == uri.getPort()) {
        b.header("Authorization", "Bearer " + token);
      }
      HttpResponse<InputStream> resp;
      try {
        resp = client().send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
      int status = resp.statusCode();
      if (status >= 300 && status < 400 && status != 304) {
        Optional<String> location = resp.headers().firstValue("location");
        resp.body().close();
        if (location.isEmpty()) {
          throw new IOException("redirect without a Location from " + uri.getHost());
        }
        URI next = uri.resolve(location.get().trim());
        if (!"https".equals(next.getScheme()) && !"http".equals(next.getScheme())) {
          throw new IOException("redirect to a non-HTTP location");
        }
        if ("https".equals(uri.getScheme()) && "http".equals(next.getScheme())) {
          throw new IOException("redirect from https to http refused");
        }
        uri = next;
        continue;
      }
      if (status == 401 || status == 403) {
        resp.body().close();
        throw new BadInputException("model", repo + " is gated or private (HTTP " + status + "): accept its terms at "
            + endpoint.getScheme() + "://" + endpoint.getRawAuthority() + "/" + repo + " and give a token with read access (HF_TOKEN or --token)"
            + (token == null ? "; no token was given" : "; the token given was refused"));
      }
      long declared = resp.headers().firstValueAsLong("content-length").orElse(-1);
      long cap = range != null ? (1L << 30) : MAX_SMALL_FILE;
      if (declared > cap) {
        resp.body().close();
        throw new BadInputException("model", repo + "/" + file + ": " + declared + " bytes exceeds the limit of " + cap);
      }
      byte[] body = readBody(resp.body(), (int) Math.min(cap + 1, Integer.MAX_VALUE - 8), repo, file);
      if (body.length > cap) {
        throw new BadInputException("model", repo + "/" + file + ": more than " + cap + " bytes");
      }
      if (declared >= 0 && body.length != declared) {
        throw new IOException("truncated response for " + repo + "/" + file + " (" + body.length + " of " + declared + " bytes)");
      }
      if (status != 200 && status != 206 && status != 404 && status != 429 && status < 500) {
        throw new IOException("HTTP " + status + " from " + uri.getHost() + " for " + repo + "/" + file);
      }
      return new Response(status, body, resp.headers().firstValue("content-range").orElse(null));
    }
    throw new IOException("more than " + MAX_REDIRECTS + " redirects fetching " + repo + "/" + file);
  }

  /** Reads a body within the request timeout: a server that stops sending mid-body cannot hang the client. */
  private byte[] readBody(InputStream in, int max, String repo, String file) throws IOException {
    java.util.concurrent.CompletableFuture<byte[]> read = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return in.readNBytes(max);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    try {
      return read.get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      in.close();
      read.cancel(true);
      throw new java.net.http.HttpTimeoutException("timed out after " + timeout.toMillis() + " ms reading " + repo + "/" + file);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof java.io.UncheckedIOException u) {
        throw u.getCause();
      }
      throw new IOException(c);
    } finally {
      in.close();
    }
  }

  private static void sleep(long millis) throws IOException {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /** Returns the not-found error for a repository without the file. */
  public static NotFoundException notFound(String repo, String revision, String what) {
    return new NotFoundException("model", String.format(Locale.ROOT, "%s at revision %s has no %s (HTTP 404: check the id, the revision and the file)", repo, revision, what));
  }
}
