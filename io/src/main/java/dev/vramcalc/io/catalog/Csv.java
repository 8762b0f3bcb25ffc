package dev.vramcalc.io.catalog;

import dev.vramcalc.core.BadInputException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Returns the rows of an RFC 4180 CSV text keyed by its header, skipping lines that start with
 * {@code #}. Every problem names the file and line.
 */
public final class Csv {

  /** One data row with its line number for messages. */
  public record Row(String file, int line, Map<String, String> values) {

    public String get(String key) {
      String v = values.get(key);
      return v == null ? "" : v;
    }

    /** Returns the text, or fails naming file:line when empty. */
    public String required(String key) {
      String v = get(key);
      if (v.isEmpty()) {
        throw new BadInputException(key, file + ":" + line + ": " + key + " is empty");
      }
      return v;
    }

    public Long longOrNull(String key) {
      String v = get(key);
      if (v.isEmpty()) {
        return null;
      }
      try {
        return Long.parseLong(v);
      } catch (NumberFormatException e) {
        throw new BadInputException(key, file + ":" + line + ": " + key + " '" + v + "' is not a whole number");
      }
    }

    public Double doubleOrNull(String key) {
      String v = get(key);
      if (v.isEmpty()) {
        return null;
      }
      try {
        double d = Double.parseDouble(v);
        if (!Double.isFinite(d) || d < 0) {
          throw new NumberFormatException();
        }
        return d;
      } catch (NumberFormatException e) {
        throw new BadInputException(key, file + ":" + line + ": " + key + " '" + v + "' is not a non-negative number");
      }
    }
  }

  private Csv() {}

  public static List<Row> parse(String text, String file) {
    List<List<String>> records = new ArrayList<>();
    List<Integer> lines = new ArrayList<>();
    int line = 1;
    int i = 0;
    int n = text.length();
    while (i < n) {
      if (text.charAt(i) == '#') {
        while (i < n && text.charAt(i) != '\n') {
          i++;
        }
        i++;
        line++;
        continue;
      }
      if (text.charAt(i) == '\n' || text.charAt(i) == '\r') {
        if (text.charAt(i) == '\n') {
          line++;
        }
        i++;
        continue;
      }
      int startLine = line;
      List<String> fields = new ArrayList<>();
      StringBuilder field = new StringBuilder();
      boolean quoted = false;
      boolean atStart = true;
      while (i < n) {
        char c = text.charAt(i);
        if (quoted) {
          if (c == '"') {
            if (i + 1 < n && text.charAt(i + 1) == '"') {
              field.append('"');
              i += 2;
              continue;
            }
            quoted = false;
            i++;
            continue;
          }
          if (c == '\n') {
            line++;
          }
          field.append(c);
          i++;
          continue;
        }
        if (c == '"' && atStart) {
          quoted = true;
          atStart = false;
          i++;
          continue;
        }
        if (c == ',') {
          fields.add(field.toString());
          field.setLength(0);
          atStart = true;
          i++;
          continue;
        }
        if (c == '\n' || c == '\r') {
          break;
        }
        field.append(c);
        atStart = false;
        i++;
      }
      if (quoted) {
        throw new BadInputException("csv", file + ":" + startLine + ": unterminated quoted field");
      }
      fields.add(field.toString());
      records.add(fields);
      lines.add(startLine);
    }
    if (records.isEmpty()) {
      throw new BadInputException("csv", file + ": no header row");
    }
    List<String> header = records.get(0);
    List<Row> rows = new ArrayList<>();
    for (int r = 1; r < records.size(); r++) {
      List<String> fields = records.get(r);
      if (fields.size() != header.size()) {
        throw new BadInputException("csv", file + ":" + lines.get(r) + ": " + fields.size() + " fields where the header has " + header.size());
      }
      Map<String, String> values = new LinkedHashMap<>();
      for (int c = 0; c < header.size(); c++) {
        values.put(header.get(c), fields.get(c).trim());
      }
      rows.add(new Row(file, lines.get(r), values));
    }
    return rows;
  }
}
