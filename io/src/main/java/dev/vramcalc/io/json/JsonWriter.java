package dev.vramcalc.io.json;

import java.util.List;
import java.util.Map;

/**
 * Returns JSON text for trees of maps, lists, strings, numbers, booleans and null, indented by two
 * spaces. Non-finite doubles are written as null, since JSON has no NaN.
 */
public final class JsonWriter {

  private JsonWriter() {}

  public static String write(Object value) {
    StringBuilder sb = new StringBuilder(8192);
    write(sb, value, 0, true);
    return sb.toString();
  }

  public static String writeCompact(Object value) {
    StringBuilder sb = new StringBuilder(8192);
    write(sb, value, 0, false);
    return sb.toString();
  }

  private static void newline(StringBuilder sb, int indent, boolean pretty) {
    if (pretty) {
      sb.append('\n');
      sb.append("  ".repeat(indent));
    }
  }

  private static void write(StringBuilder sb, Object v, int indent, boolean pretty) {
    if (v == null || v == Json.NULL) {
      sb.append("null");
    } else if (v instanceof String s) {
      quote(sb, s);
    } else if (v instanceof Boolean b) {
      sb.append(b);
    } else if (v instanceof Double d) {
      if (d.isNaN() || d.isInfinite()) {
        sb.append("null");
      } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
        sb.append((long) (double) d).append(".0");
      } else {
        sb.append(d);
      }
    } else if (v instanceof Float f) {
      write(sb, (double) f, indent, pretty);
    } else if (v instanceof Number n) {
      sb.append(n);
    } else if (v instanceof Map<?, ?> m) {
      if (m.isEmpty()) {
        sb.append("{}");
        return;
      }
      sb.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        newline(sb, indent + 1, pretty);
        quote(sb, String.valueOf(e.getKey()));
        sb.append(pretty ? ": " : ":");
        write(sb, e.getValue(), indent + 1, pretty);
      }
      newline(sb, indent, pretty);
      sb.append('}');
    } else if (v instanceof List<?> l) {
      if (l.isEmpty()) {
        sb.append("[]");
        return;
      }
      sb.append('[');
      boolean first = true;
      for (Object o : l) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        newline(sb, indent + 1, pretty);
        write(sb, o, indent + 1, pretty);
      }
      newline(sb, indent, pretty);
      sb.append(']');
    } else {
      quote(sb, v.toString());
    }
  }

  private static void quote(StringBuilder sb, String s) {
    sb.append('"');
    int run = 0; // start of the characters not yet appended: runs that need no escape are appended whole
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0x20 && c != '"' && c != '\\') {
        continue;
      }
      sb.append(s, run, i);
      run = i + 1;
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> sb.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
      }
    }
    sb.append(s, run, s.length());
    sb.append('"');
  }

  private static final char[] HEX = "0123456789abcdef".toCharArray();
}
