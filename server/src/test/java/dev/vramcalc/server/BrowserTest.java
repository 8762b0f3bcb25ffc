package dev.vramcalc.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web page in headless Chromium (Debian's chromium and chromium-driver) against the real
 * server: a preset and a GPU give the breakdown and the verdict, a larger batch grows the bar, a
 * shared URL reproduces the result, an invalid value is marked at its field, the charts draw.
 * Screenshots go to {@code server/target/screenshots}.
 */
class BrowserTest {

  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path DRIVER = Path.of("/usr/bin/chromedriver");
  static final Path SHOTS = Path.of("target", "screenshots");

  static ApiServer server;
  static ChromeDriver driver;
  static String base;

  @BeforeAll
  static void start() throws IOException {
    Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER),
        "needs Debian's chromium and chromium-driver (.ci/run installs them with apt-get)");
    server = ApiServer.start("127.0.0.1", 0, 4, false);
    base = "http://127.0.0.1:" + server.port() + "/";
    System.setProperty("webdriver.chrome.driver", DRIVER.toString());
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1600");
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).usingAnyFreePort().build();
    driver = new ChromeDriver(service, options);
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
    Files.createDirectories(SHOTS);
  }

  @AfterAll
  static void stop() {
    if (driver != null) {
      driver.quit();
    }
    if (server != null) {
      server.stop();
    }
  }

  @BeforeEach
  void open() {
    driver.get(base);
    settle();
  }

  /** Waits until the page has finished computing: the verdict is set and no request is pending for half a second. */
  static void settle() {
    new WebDriverWait(driver, Duration.ofSeconds(30)).until(d -> {
      String v = d.findElement(By.id("verdict")).getText();
      return !v.startsWith("Computing");
    });
    sleep(1500);
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static void set(String name, String value) {
    WebElement e = driver.findElement(By.name(name));
    e.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);
    e.sendKeys(value);
  }

  static Object js(String script) {
    return ((JavascriptExecutor) driver).executeScript(script);
  }

  static void shot(String name) throws IOException {
    Files.write(SHOTS.resolve(name + ".png"), ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
  }

  static double barTotal() {
    return ((Number) js("const c = Chart.getChart('bar'); return c.data.datasets.filter(d => d.stack === 's' && d.label !== 'under the margin' "
        + "&& d.label !== 'safety margin').reduce((a, d) => a + d.data[0], 0);")).doubleValue();
  }

  @Test
  void aPresetAndAGpuGiveTheBreakdownAndTheVerdict() throws IOException {
    set("model", "Qwen/Qwen2.5-7B");
    new Select(driver.findElement(By.name("gpu"))).selectByValue("h100-sxm-80gb");
    set("seq_len", "4096");
    settle();

    String verdict = driver.findElement(By.id("verdict")).getText();
    assertThat(verdict).startsWith("Fits").contains("of 79.20 GiB usable per GPU");
    List<WebElement> rows = driver.findElements(By.cssSelector("#breakdown tbody tr"));
    assertThat(rows).extracting(WebElement::getText).anyMatch(t -> t.startsWith("weights 14.19"));
    assertThat(rows).extracting(WebElement::getText).anyMatch(t -> t.startsWith("= device"));
    // the same numbers as the API for the same inputs
    String device = rows.stream().map(WebElement::getText).filter(t -> t.startsWith("= device")).findFirst().orElseThrow().split(" ")[2];
    assertThat(verdict).contains(device + " GiB of");
    Object api = ((JavascriptExecutor) driver).executeAsyncScript("const done = arguments[arguments.length - 1];"
        + "fetch('/api/v1/infer', {method: 'POST', body: JSON.stringify({model: 'Qwen/Qwen2.5-7B', gpu: 'h100-sxm-80gb', seq_len: 4096})})"
        + ".then(r => r.json()).then(d => done((d.per_gpu.device_bytes / 1073741824).toFixed(2)));");
    assertThat(device).isEqualTo(api);
    shot("inference-qwen2.5-7b-h100");
  }

  @Test
  void aLargerBatchGrowsTheBar() throws IOException {
    double before = barTotal();
    set("batch", "16");
    settle();
    double after = barTotal();

    assertThat(after).isGreaterThan(before + 1.0);
    shot("inference-batch-16");
  }

  @Test
  void aSharedUrlReproducesTheResult() {
    set("batch", "3");
    new Select(driver.findElement(By.name("weights"))).selectByVisibleText("q4_k_m");
    settle();
    String url = driver.getCurrentUrl();
    String verdict = driver.findElement(By.id("verdict")).getText();
    assertThat(url).contains("batch=3").contains("weights=q4_k_m");

    driver.get(base);
    settle();
    assertThat(driver.findElement(By.id("verdict")).getText()).isNotEqualTo(verdict);
    driver.get(url);
    settle();
    assertThat(driver.findElement(By.id("verdict")).getText()).isEqualTo(verdict);
    assertThat(driver.findElement(By.name("batch")).getAttribute("value")).isEqualTo("3");
  }

  @Test
  void anInvalidValueIsMarkedAtItsField() throws IOException {
    set("batch", "-3");
    settle();

    WebElement batch = driver.findElement(By.name("batch"));
    assertThat(batch.getAttribute("aria-invalid")).isEqualTo("true");
    WebElement message = driver.findElement(By.cssSelector(".error[data-for='batch']"));
    assertThat(message.getText()).contains("--batch (-3)");
    shot("invalid-batch");
  }

  @Test
  void theChartsDrawSomething() throws IOException {
    for (String id : List.of("bar", "footprint", "curve")) {
      Object datasets = js("const c = Chart.getChart('" + id + "'); return c ? c.data.datasets.length : 0;");
      assertThat(((Number) datasets).intValue()).as(id).isPositive();
      // the canvas is not blank: some pixel is not transparent and not white
      Object inked = js("const cv = document.getElementById('" + id + "'); const ctx = cv.getContext('2d');"
          + "const d = ctx.getImageData(0, 0, cv.width, cv.height).data; let n = 0;"
          + "for (let i = 0; i < d.length; i += 4) { if (d[i + 3] > 0 && (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240)) n++; } return n;");
      assertThat(((Number) inked).intValue()).as(id).isGreaterThan(500);
    }
    assertThat(driver.findElements(By.cssSelector("#roofline tbody tr"))).isNotEmpty();
    assertThat(driver.findElements(By.cssSelector("#fit .card"))).isNotEmpty();
    ((JavascriptExecutor) driver).executeScript("window.scrollTo(0, document.body.scrollHeight / 2)");
    shot("charts");
  }

  @Test
  void trainingShowsZeroStagesAndTheAccumulationRecommendation() throws IOException {
    driver.findElement(By.id("tab-training")).click();
    new Select(driver.findElement(By.name("gpu"))).selectByValue("h100-sxm-80gb");
    set("gpus", "8");
    new Select(driver.findElement(By.name("method"))).selectByVisibleText("lora");
    settle();
    sleep(2000);

    assertThat(driver.findElement(By.id("verdict")).getText()).contains("usable per GPU");
    Object zero = js("const c = Chart.getChart('zero'); return c ? c.data.labels.length : 0;");
    assertThat(((Number) zero).intValue()).isEqualTo(4);
    assertThat(driver.findElement(By.id("recommendation")).getText()).contains("micro-batch");
    assertThat(driver.getCurrentUrl()).contains("mode=training");
    shot("training-lora-8xh100");
  }
}
