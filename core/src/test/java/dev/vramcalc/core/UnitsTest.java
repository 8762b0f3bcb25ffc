package dev.vramcalc.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vramcalc.core.unit.ByteUnits;
import dev.vramcalc.core.unit.Bytes;
import dev.vramcalc.core.unit.Counts;
import org.junit.jupiter.api.Test;

class UnitsTest {

  @Test
  void bytesArithmeticFailsLoudlyOnOverflow() {
    assertThatThrownBy(() -> Bytes.of(Long.MAX_VALUE).plus(Bytes.of(1))).isInstanceOf(ArithmeticException.class);
    assertThatThrownBy(() -> Bytes.product(1L << 40, 1L << 40)).isInstanceOf(ArithmeticException.class);
    assertThatThrownBy(() -> Bytes.of(-1)).hasMessage("bytes (-1) must not be negative");
  }

  @Test
  void binaryAndSiUnitsDifferBySevenPercentAtGigabytes() {
    Bytes b = Bytes.of(16_060_522_496L);

    assertThat(ByteUnits.BINARY.format(b)).isEqualTo("14.96 GiB");
    assertThat(ByteUnits.SI.format(b)).isEqualTo("16.06 GB");
  }

  @Test
  void parsesMemoryAmounts() {
    assertThat(ByteUnits.parse("24GiB").value()).isEqualTo(24L << 30);
    assertThat(ByteUnits.parse("80 GB").value()).isEqualTo(80_000_000_000L);
    assertThat(ByteUnits.parse("16G").value()).isEqualTo(16L << 30);
    assertThatThrownBy(() -> ByteUnits.parse("lots")).hasMessage("'lots' is not an amount of memory (examples: 24GiB, 80GB, 16G)");
  }

  @Test
  void parsesParameterCounts() {
    assertThat(Counts.parse("7B")).isEqualTo(7_000_000_000L);
    assertThat(Counts.parse("8.03b")).isEqualTo(8_030_000_000L);
    assertThat(Counts.parse("350M")).isEqualTo(350_000_000L);
    assertThat(Counts.format(8_030_261_248L)).isEqualTo("8.03B");
    assertThatThrownBy(() -> Counts.parse("-3B")).hasMessage("'-3B' is not a count (examples: 7B, 350M, 8030261248)");
  }

  @Test
  void oneCountReaderForParamsTokensAndGlobalBatches() {
    // --tokens read Bi as 2^30 and --global-batch read Gi: both suffixes now mean the same everywhere
    assertThat(Counts.parse("4Mi")).isEqualTo(4L << 20);
    assertThat(Counts.parse("2Gi")).isEqualTo(Counts.parse("2Bi")).isEqualTo(2L << 30);
    assertThat(Counts.parse("2G")).isEqualTo(Counts.parse("2B")).isEqualTo(2_000_000_000L);
    assertThat(Counts.parse("1Ti")).isEqualTo(1L << 40);
    assertThat(Counts.parse("2T", 1e16, "10^16")).isEqualTo(2_000_000_000_000L);
    assertThatThrownBy(() -> Counts.parse("2Ti", 1L << 40, "2^40")).hasMessage("'2Ti' must be between 1 and 2^40");
    assertThatThrownBy(() -> Counts.parse("2000T")).hasMessage("'2000T' must be between 1 and 1000T");
  }
}
