package dev.vramcalc.core.model;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Returns a config whose absent keys fall back to the defaults of the Hugging Face config class,
 * because published files list only what differs from those defaults.
 */
final class DefaultedConfig implements ConfigView {

  private final ConfigView primary;
  private final MapConfig defaults;

  DefaultedConfig(ConfigView primary, Map<String, ?> defaults) {
    this.primary = primary == null ? MapConfig.EMPTY : primary;
    this.defaults = new MapConfig(defaults, "defaults");
  }

  private ConfigView source(String key) {
    return primary.has(key) ? primary : defaults;
  }

  @Override
  public boolean has(String key) {
    return primary.has(key) || defaults.has(key);
  }

  @Override
  public boolean isPresent(String key) {
    return source(key).isPresent(key);
  }

  @Override
  public Long longValue(String key) {
    return source(key).longValue(key);
  }

  @Override
  public Double doubleValue(String key) {
    return source(key).doubleValue(key);
  }

  @Override
  public Boolean boolValue(String key) {
    return source(key).boolValue(key);
  }

  @Override
  public String stringValue(String key) {
    return source(key).stringValue(key);
  }

  @Override
  public ConfigView child(String key) {
    return source(key).child(key);
  }

  @Override
  public List<String> stringList(String key) {
    return source(key).stringList(key);
  }

  @Override
  public List<Long> longList(String key) {
    return source(key).longList(key);
  }

  @Override
  public List<String> keys() {
    LinkedHashSet<String> all = new LinkedHashSet<>(primary.keys());
    all.addAll(defaults.keys());
    return new ArrayList<>(all);
  }

  @Override
  public String origin() {
    return primary.origin();
  }
}
