package dev.vramcalc.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A closed-loop load generator for the REST API: {@code concurrency} workers each send one request,
 * wait for the answer and send the next, for {@code seconds}; prints requests per second, errors,
 * latency percentiles and the rate in each 10-second window. Run by bench/load-test.sh.
 *
 * <p>Usage: LoadTest URL SECONDS CONCURRENCY BODY
 */
public final class LoadTest {

  private LoadTest() {}

  public static void main(String[] args) throws Exception {
    URI uri = URI.create(args[0]);
    int seconds = Integer.parseInt(args[1]);
    int concurrency = Integer.parseInt(args[2]);
    String body = args[3];
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(Executors.newFixedThreadPool(concurrency))
        .connectTimeout(Duration.ofSeconds(5)).build();
    HttpRequest request = HttpRequest.newBuilder(uri).header("Content-Type", "application/json").timeout(Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    // warm-up, not counted: the server's JIT compiles the request path (default 15 s)
    int warmup = Integer.getInteger("warmup", 15);
    run(http, request, warmup, concurrency, new long[1 << 20], new AtomicInteger(), new AtomicLong(), new ConcurrentHashMap<>(), null);
    long[] latencies = new long[1 << 24];
    AtomicInteger count = new AtomicInteger();
    AtomicLong errors = new AtomicLong();
    ConcurrentHashMap<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();
    long[] windows = new long[(seconds + 9) / 10];
    long t0 = System.nanoTime();
    run(http, request, seconds, concurrency, latencies, count, errors, statuses, windows);
    double elapsed = (System.nanoTime() - t0) / 1e9;
    int n = Math.min(count.get(), latencies.length);
    long[] sorted = Arrays.copyOf(latencies, n);
    Arrays.sort(sorted);
    System.out.printf(Locale.ROOT, "POST %s, %d connections, %.1f s: %,d requests, %.0f requests/s, %d errors, statuses %s%n", uri, concurrency, elapsed, n,
        n / elapsed, errors.get(), statuses);
    System.out.printf(Locale.ROOT, "latency ms: p50 %.2f, p90 %.2f, p99 %.2f, max %.2f%n", pct(sorted, 0.50), pct(sorted, 0.90), pct(sorted, 0.99),
        sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1e6);
    StringBuilder w = new StringBuilder("requests/s per 10 s window:");
    for (long c : windows) {
      w.append(' ').append(c / 10);
    }
    System.out.println(w);
    http.executor().ifPresent(e -> ((java.util.concurrent.ExecutorService) e).shutdownNow());
    System.exit(errors.get() == 0 ? 0 : 1);
  }

  private static double pct(long[] sorted, double p) {
    return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, Math.floor(p * sorted.length))] / 1e6;
  }

  private static void run(HttpClient http, HttpRequest request, int seconds, int concurrency, long[] latencies, AtomicInteger count, AtomicLong errors,
      ConcurrentHashMap<Integer, AtomicLong> statuses, long[] windows) throws InterruptedException {
    long start = System.nanoTime();
    long end = start + seconds * 1_000_000_000L;
    CountDownLatch done = new CountDownLatch(concurrency);
    for (int i = 0; i < concurrency; i++) {
      Thread t = new Thread(() -> {
        while (System.nanoTime() < end) {
          long s = System.nanoTime();
          try {
            HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            statuses.computeIfAbsent(r.statusCode(), k -> new AtomicLong()).incrementAndGet();
            if (r.statusCode() != 200) {
              errors.incrementAndGet();
            }
          } catch (Exception e) {
            errors.incrementAndGet();
            statuses.computeIfAbsent(-1, k -> new AtomicLong()).incrementAndGet();
          }
          long now = System.nanoTime();
          int k = count.getAndIncrement();
          if (k < latencies.length) {
            latencies[k] = now - s;
          }
          if (windows != null) {
            int win = (int) ((now - start) / 10_000_000_000L);
            if (win < windows.length) {
              synchronized (windows) {
                windows[win]++;
              }
            }
          }
        }
        done.countDown();
      });
      t.setDaemon(true);
      t.start();
    }
    done.await();
  }
}
