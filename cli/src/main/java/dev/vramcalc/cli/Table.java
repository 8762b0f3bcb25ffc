package dev.vramcalc.cli;

import java.util.ArrayList;
import java.util.List;

/** Returns plain-text tables with aligned columns; numeric columns align right. */
final class Table {

  private final List<String[]> rows = new ArrayList<>();
  private final boolean[] right;

  Table(boolean... rightAligned) {
    this.right = rightAligned;
  }

  Table row(String... cells) {
    rows.add(cells);
    return this;
  }

  Table rule() {
    rows.add(null);
    return this;
  }

  String render() {
    int cols = right.length;
    int[] width = new int[cols];
    for (String[] r : rows) {
      if (r == null) {
        continue;
      }
      for (int c = 0; c < cols && c < r.length; c++) {
        if (c < cols - 1) {
          width[c] = Math.max(width[c], r[c].length());
        }
      }
    }
    int ruleWidth = 10;
    for (String[] r : rows) {
      if (r == null) {
        continue;
      }
      int total = 0;
      for (int c = 0; c < cols - 1; c++) {
        total += width[c] + 2;
      }
      String last = r.length >= cols && r[cols - 1] != null ? r[cols - 1] : "";
      ruleWidth = Math.max(ruleWidth, Math.min(total + last.length(), 100));
    }
    StringBuilder sb = new StringBuilder();
    for (String[] r : rows) {
      if (r == null) {
        sb.append("-".repeat(ruleWidth)).append('\n');
        continue;
      }
      StringBuilder line = new StringBuilder();
      for (int c = 0; c < cols && c < r.length; c++) {
        String cell = r[c] == null ? "" : r[c];
        if (c == cols - 1) {
          line.append(cell);
        } else if (right[c]) {
          line.append(" ".repeat(width[c] - cell.length())).append(cell).append("  ");
        } else {
          line.append(cell).append(" ".repeat(width[c] - cell.length())).append("  ");
        }
      }
      sb.append(line.toString().stripTrailing()).append('\n');
    }
    return sb.toString();
  }
}
