package dev.weir.peer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * The rules Avro cannot express, read from the `constraints` attribute of the .avsc fields, with the same
 * meaning and order as Weir's schemas/constraints.ts: string minLength (UTF-16 code units); number minimum,
 * exclusiveMinimum, and floats/doubles always finite; array minItems, uniqueItems, items; record exactlyOne;
 * on a nullable field the rules apply to a non-null value. The first violation wins.
 */
final class Constraints {
  record Violation(List<Object> path, String message) {}

  @FunctionalInterface
  interface Check {
    Violation check(Object value);
  }

  private Constraints() {}

  /** The checks of a schema node, or null when it has none. */
  static Check compile(Schema schema) {
    return compile(schema, Map.of());
  }

  private static Check compile(Schema schema, Map<String, Object> rules) {
    switch (schema.getType()) {
      case STRING:
        return stringCheck(rules);
      case INT:
      case LONG:
        return numberCheck(rules, false);
      case FLOAT:
      case DOUBLE:
        return numberCheck(rules, true);
      case ARRAY: {
        Object items = rules.get("items");
        return arrayCheck(rules, compile(schema.getElementType(), asMap(items)));
      }
      case UNION: {
        Schema inner = schema.getTypes().stream().filter((type) -> type.getType() != Schema.Type.NULL).findFirst().orElse(schema);
        Check check = compile(inner, rules);
        return check == null ? null : (value) -> value == null ? null : check.check(value);
      }
      case RECORD:
        return recordCheck(schema);
      default:
        return null;
    }
  }

  private static Check stringCheck(Map<String, Object> rules) {
    Number minLength = (Number) rules.get("minLength");
    if (minLength == null) return null;
    int min = minLength.intValue();
    String message = min == 1 ? "must not be empty" : "must have at least " + min + " characters";
    return (value) -> value.toString().length() < min ? new Violation(new ArrayList<>(), message) : null;
  }

  private static Check numberCheck(Map<String, Object> rules, boolean finite) {
    Number minimum = (Number) rules.get("minimum");
    Number exclusiveMinimum = (Number) rules.get("exclusiveMinimum");
    if (minimum == null && exclusiveMinimum == null && !finite) return null;
    return (value) -> {
      double number = ((Number) value).doubleValue();
      if (finite && !Double.isFinite(number)) return new Violation(new ArrayList<>(), "must be a finite number, is " + number);
      if (minimum != null && number < minimum.doubleValue()) return new Violation(new ArrayList<>(), "must be >= " + minimum + ", is " + number);
      if (exclusiveMinimum != null && number <= exclusiveMinimum.doubleValue()) return new Violation(new ArrayList<>(), "must be > " + exclusiveMinimum + ", is " + number);
      return null;
    };
  }

  private static Check arrayCheck(Map<String, Object> rules, Check item) {
    Number minItems = (Number) rules.get("minItems");
    boolean unique = Boolean.TRUE.equals(rules.get("uniqueItems"));
    if (minItems == null && !unique && item == null) return null;
    return (value) -> {
      List<?> items = (List<?>) value;
      if (minItems != null && items.size() < minItems.intValue()) return new Violation(new ArrayList<>(), "must have at least " + minItems + " items, has " + items.size());
      Map<Object, Integer> firstAt = unique ? new HashMap<>() : null;
      for (int index = 0; index < items.size(); index++) {
        Object element = items.get(index);
        // Avro hands strings over as Utf8, whose equals compares bytes: as JavaScript compares strings
        Object key = element instanceof CharSequence ? element.toString() : element;
        if (firstAt != null) {
          Integer first = firstAt.putIfAbsent(key, index);
          if (first != null) return new Violation(new ArrayList<>(List.of(index)), "repeats item [" + first + "]; items must be distinct");
        }
        Violation violation = item == null ? null : item.check(element);
        if (violation != null) {
          violation.path().add(0, index);
          return violation;
        }
      }
      return null;
    };
  }

  private static Check recordCheck(Schema schema) {
    List<String> names = new ArrayList<>();
    List<Check> checks = new ArrayList<>();
    for (Schema.Field field : schema.getFields()) {
      Check check = compile(field.schema(), asMap(field.getObjectProp("constraints")));
      if (check != null) {
        names.add(field.name());
        checks.add(check);
      }
    }
    List<String> exactlyOne = exactlyOne(schema);
    if (checks.isEmpty() && exactlyOne == null) return null;
    return (value) -> {
      GenericRecord record = (GenericRecord) value;
      if (exactlyOne != null) {
        int set = 0;
        String extra = null;
        for (String name : exactlyOne) if (record.get(name) != null && ++set == 2) extra = name;
        if (set == 0) return new Violation(new ArrayList<>(List.of(exactlyOne.get(0))), "exactly one of " + String.join(", ", exactlyOne) + " must be set, none is");
        if (set > 1) return new Violation(new ArrayList<>(List.of(extra)), "exactly one of " + String.join(", ", exactlyOne) + " must be set, more than one is");
      }
      for (int index = 0; index < checks.size(); index++) {
        Violation violation = checks.get(index).check(record.get(names.get(index)));
        if (violation != null) {
          violation.path().add(0, names.get(index));
          return violation;
        }
      }
      return null;
    };
  }

  @SuppressWarnings("unchecked")
  private static List<String> exactlyOne(Schema schema) {
    Object rules = schema.getObjectProp("constraints");
    return rules instanceof Map<?, ?> map ? (List<String>) map.get("exactlyOne") : null;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asMap(Object rules) {
    return rules instanceof Map<?, ?> ? (Map<String, Object>) rules : Map.of();
  }

  /** `node_ids[2]`, `a.b`: Weir's engine/field-path.ts format. */
  static String formatPath(List<Object> path) {
    StringBuilder text = new StringBuilder();
    for (Object segment : path) {
      if (segment instanceof Integer index) text.append('[').append(index).append(']');
      else text.append(text.length() == 0 ? "" : ".").append(segment);
    }
    return text.toString();
  }
}
