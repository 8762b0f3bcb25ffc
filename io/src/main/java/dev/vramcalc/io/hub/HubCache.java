package dev.vramcalc.io.hub;

import dev.vramcalc.core.NotFoundException;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * The on-disk cache of what was fetched from the hub: small files whole, and the leading bytes of
 * large files (their headers) with the file's size. Entries are written to a temporary file and
 * moved into place atomically, so an interrupted run leaves either the old entry or the new one.
 *
 * <p>Layout: {@code <root>/<owner>--<name>/<revision>/<file>} for whole files,
 * {@code <file>.head} and {@code <file>.size} for leading bytes. A {@code .missing} marker records a
 * file the repository does not have.
 */
public final class HubCache {

  private final Path root;
  private final boolean offline;

  public HubCache(Path root, boolean offline) {
    this.root = root;
    this.offline = offline;
  }

  /** Returns the cache from the environment: VRAMCALC_CACHE, else $HF_HOME/vramcalc, else ~/.cache/huggingface/vramcalc. */
  public static Path defaultRoot() {
    String own = System.getenv("VRAMCALC_CACHE");
    if (own != null && !own.isBlank()) {
      return Path.of(own);
    }
    String hf = System.getenv("HF_HOME");
    if (hf != null && !hf.isBlank()) {
      return Path.of(hf, "vramcalc");
    }
    return Path.of(System.getProperty("user.home"), ".cache", "huggingface", "vramcalc");
  }

  /** Returns whether HF_HUB_OFFLINE (or the system property vramcalc.offline) asks for the cache only. */
  public static boolean offlineFromEnvironment() {
    if (Boolean.getBoolean("vramcalc.offline")) {
      return true;
    }
    String v = System.getenv("HF_HUB_OFFLINE");
    return v != null && (v.equals("1") || v.equalsIgnoreCase("true") || v.equalsIgnoreCase("yes"));
  }

  public boolean offline() {
    return offline;
  }

  public Path root() {
    return root;
  }

  Path entry(String repo, String revision, String file) {
    HubClient.validate(repo, revision, file);
    // repo ids cannot contain "--" (the hub refuses it), so owner--name is unambiguous; revisions can (a branch "a--b"
    // beside "a/b" shared one folder; found in review), so a revision is percent-encoded, which keeps names apart
    return root.resolve(repo.replace("/", "--")).resolve(URLEncoder.encode(revision, StandardCharsets.UTF_8)).resolve(file);
  }

  /** Returns a cached whole file: present, known missing (empty), or not cached (null). */
  public Optional<byte[]> small(String repo, String revision, String file) throws IOException {
    Path p = entry(repo, revision, file);
    if (Files.isRegularFile(p)) {
      return Optional.of(Files.readAllBytes(p));
    }
    if (Files.isRegularFile(marker(p))) {
      return Optional.empty();
    }
    return null;
  }

  public void putSmall(String repo, String revision, String file, Optional<byte[]> content) throws IOException {
    Path p = entry(repo, revision, file);
    if (content.isPresent()) {
      write(p, content.get());
    } else {
      write(marker(p), new byte[0]);
    }
  }

  /** Returns the cached leading bytes of a file and its size, or null. */
  public Head head(String repo, String revision, String file) throws IOException {
    Path p = entry(repo, revision, file);
    Path head = p.resolveSibling(p.getFileName() + ".head");
    Path size = p.resolveSibling(p.getFileName() + ".size");
    if (!Files.isRegularFile(head) || !Files.isRegularFile(size)) {
      return null;
    }
    try {
      long n = Long.parseLong(Files.readString(size, StandardCharsets.US_ASCII).trim());
      return new Head(Files.readAllBytes(head), n);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  public void putHead(String repo, String revision, String file, byte[] bytes, long size) throws IOException {
    Path p = entry(repo, revision, file);
    // the size first: a head without its size is ignored, a size without its head too
    write(p.resolveSibling(p.getFileName() + ".size"), Long.toString(size).getBytes(StandardCharsets.US_ASCII));
    write(p.resolveSibling(p.getFileName() + ".head"), bytes);
  }

  /** Leading bytes of a file and the file's size. */
  public record Head(byte[] bytes, long size) {}

  private static Path marker(Path p) {
    return p.resolveSibling(p.getFileName() + ".missing");
  }

  private static void write(Path target, byte[] bytes) throws IOException {
    Files.createDirectories(target.getParent());
    Path tmp = Files.createTempFile(target.getParent(), ".tmp-", ".part");
    try {
      Files.write(tmp, bytes);
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Returns the error for a file the offline cache lacks. */
  public NotFoundException missing(String repo, String revision, String file) {
    return new NotFoundException("model", repo + "/" + file + " (revision " + revision + ") is not in the cache at " + root
        + " and --offline (or HF_HUB_OFFLINE=1) forbids fetching it; run once without --offline");
  }
}
