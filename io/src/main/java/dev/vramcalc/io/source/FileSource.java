package dev.vramcalc.io.source;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A local file read by position, never loaded whole. */
public final class FileSource implements ByteSource {

  private final Path path;

  public FileSource(Path path) {
    this.path = path;
  }

  @Override
  public long size() throws IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      return ch.size();
    }
  }

  @Override
  public byte[] read(long offset, int length) throws IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      long available = Math.max(0, ch.size() - offset);
      ByteBuffer buf = ByteBuffer.allocate((int) Math.min(length, available));
      while (buf.hasRemaining()) {
        if (ch.read(buf, offset + buf.position()) < 0) {
          break;
        }
      }
      byte[] out = new byte[buf.position()];
      buf.flip();
      buf.get(out);
      return out;
    }
  }

  @Override
  public String name() {
    return String.valueOf(path.getFileName());
  }
}
