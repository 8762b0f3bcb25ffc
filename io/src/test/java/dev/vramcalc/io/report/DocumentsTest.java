package dev.vramcalc.io.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The document arithmetic written once (cost per million tokens). */
class DocumentsTest {

  @Test
  void costPerMillionTokensIsTheWorkedExample() {
    // $2 per GPU-hour × 8 GPUs serving 10,000 tokens/s: 16 $/h ÷ 36,000,000 tokens/h × 10^6 = $0.444
    assertThat(Documents.usdPerMillionTokens(2, 8, 10_000)).isCloseTo(0.4444, within(1e-4));
    assertThat(Documents.usdPerMillionTokens(2, 1, 10_000)).isCloseTo(0.0556, within(1e-4));
  }
}
