package dev.vramcalc.io;

import dev.vramcalc.core.Model;
import dev.vramcalc.io.catalog.Csv;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Test helpers: catalog models and test resources. */
public final class Fixtures {

  private Fixtures() {}

  public static Model model(String name) {
    return ModelResolver.bundled().resolve(name);
  }

  public static String resource(String path) {
    try (InputStream in = Fixtures.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public static List<Csv.Row> csv(String path) {
    return Csv.parse(resource(path), path);
  }
}
