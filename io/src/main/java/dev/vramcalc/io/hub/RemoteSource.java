package dev.vramcalc.io.hub;

import dev.vramcalc.io.source.ByteSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.function.LongConsumer;

/**
 * A file in a hub repository read from its start by HTTP range requests, or from the cache's copy
 * of its leading bytes. The bytes fetched always form one prefix of the file, which the cache keeps
 * once the header is read.
 */
public final class RemoteSource implements ByteSource {

  private final HubClient client;
  private final HubCache cache;
  private final String repo;
  private final String revision;
  private final String file;
  private final LongConsumer progress;
  private byte[] prefix = new byte[0];
  private long size = -2;
  private final ByteArrayOutputStream grown = new ByteArrayOutputStream();
  private boolean fetched;

  public RemoteSource(HubClient client, HubCache cache, String repo, String revision, String file, LongConsumer progress) throws IOException {
    this.client = client;
    this.cache = cache;
    this.repo = repo;
    this.revision = revision;
    this.file = file;
    this.progress = progress;
    HubCache.Head head = cache.head(repo, revision, file);
    if (head != null) {
      prefix = head.bytes();
      size = head.size();
      grown.writeBytes(prefix);
    } else if (cache.offline()) {
      throw cache.missing(repo, revision, file);
    }
  }

  @Override
  public long size() throws IOException {
    if (size == -2) {
      fetch(0, 8);
    }
    return size;
  }

  @Override
  public byte[] read(long offset, int length) throws IOException {
    long end = offset + length;
    if (size >= 0) {
      end = Math.min(end, size);
    }
    if (end > prefix.length) {
      if (cache.offline()) {
        throw cache.missing(repo, revision, file + " (bytes past the cached " + prefix.length + ")");
      }
      fetch(prefix.length, (int) Math.min(Integer.MAX_VALUE - 8, Math.max(end - prefix.length, Math.min(1L << 20, Math.max(64L << 10, prefix.length)))));
    }
    int from = (int) Math.min(offset, prefix.length);
    int to = (int) Math.min(Math.max(end, offset), prefix.length);
    byte[] out = new byte[Math.max(0, to - from)];
    System.arraycopy(prefix, from, out, 0, out.length);
    return out;
  }

  private void fetch(long offset, int length) throws IOException {
    if (size >= 0 && offset >= size) {
      return;
    }
    HubClient.Range r = client.range(repo, revision, file, offset, length);
    if (r == null) {
      throw HubClient.notFound(repo, revision, file);
    }
    size = r.totalSize();
    grown.writeBytes(r.bytes());
    prefix = grown.toByteArray();
    fetched = true;
    progress.accept(prefix.length);
  }

  /** Stores the bytes read so far in the cache (after the header parsed). */
  public void commit() throws IOException {
    if (fetched && size >= 0) {
      cache.putHead(repo, revision, file, prefix, size);
    }
  }

  @Override
  public String name() {
    return repo + "/" + file;
  }
}
