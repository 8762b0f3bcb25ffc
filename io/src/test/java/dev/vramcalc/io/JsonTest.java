package dev.vramcalc.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vramcalc.io.json.Json;
import dev.vramcalc.io.json.JsonWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The JSON reader is strict on structure and limits, and round-trips through the writer. */
class JsonTest {

  @Test
  void parsesNestedValuesInFileOrder() {
    Object v = Json.parse("{\"b\": [1, 2.5, true, null, \"x\\u0041\"], \"a\": {}}", "t");

    assertThat(v).isEqualTo(Map.of("b", List.of(1L, 2.5, true, Json.NULL, "xA"), "a", Map.of()));
    assertThat(List.copyOf(((Map<?, ?>) v).keySet())).isEqualTo(List.of("b", "a"));
  }

  @Test
  void acceptsPythonsNonFiniteNumbers() {
    assertThat(Json.parse("[NaN, Infinity, -Infinity]", "t")).isEqualTo(List.of(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY));
  }

  @Test
  void rejectsDeepNesting() {
    String deep = "[".repeat(100) + "]".repeat(100);

    assertThatThrownBy(() -> Json.parse(deep, "t")).hasMessage("t: invalid JSON at offset 65: nesting deeper than 64");
  }

  @Test
  void rejectsTrailingText() {
    assertThatThrownBy(() -> Json.parse("{} {}", "t")).hasMessage("t: invalid JSON at offset 3: unexpected text after the document");
  }

  @Test
  void rejectsOversizedDocuments() {
    assertThatThrownBy(() -> Json.parse("[1]", "t", new Json.Limits(2, 8, 8, 8)))
        .hasMessage("t: invalid JSON at offset 0: document of 3 characters exceeds the limit of 2");
  }

  @Test
  void bigIntegersStayExact() {
    assertThat(Json.parse("684531386000", "t")).isEqualTo(684_531_386_000L);
    assertThat(Json.parse("123456789012345678901234567890", "t")).isEqualTo(new java.math.BigInteger("123456789012345678901234567890"));
  }

  @Test
  void writerRoundTrips() {
    Object doc = Map.of("a", List.of(1L, "two", false), "b", 1.5);

    assertThat(Json.parse(JsonWriter.write(doc), "t")).isEqualTo(doc);
  }
}
