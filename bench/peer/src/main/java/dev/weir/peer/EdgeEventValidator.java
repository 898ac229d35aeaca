package dev.weir.peer;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.util.Utf8;

/**
 * Checks a Confluent wire-format record (magic byte 0, 4-byte big-endian schema id, Avro binary body) against
 * one schema of schemas/, the way Weir's validate operator does (schemas/record-validator.ts): the header, the
 * Avro body (valid UTF-8 strings, longs within ±(2^53 − 2), no bytes left over), then the `constraints` the
 * .avsc declares (Constraints.java). The first failure decides the reason: bad-wire-format,
 * schema-id-mismatch or constraint, with the offending field's path.
 */
public final class EdgeEventValidator {
  /** Valid: the decoded record. Invalid: why, and where. */
  public record Verdict(GenericRecord value, String reason, String field, String error) {
    public boolean ok() {
      return value != null;
    }
  }

  private static final long MAX_LONG = 9_007_199_254_740_990L;
  private final Schema schema;
  private final int schemaId;
  private final GenericDatumReader<GenericRecord> reader;
  private final Constraints.Check rules;
  private BinaryDecoder decoder;

  public EdgeEventValidator(Path avsc, int schemaId) throws IOException {
    this.schema = new Schema.Parser().parse(Files.readString(avsc));
    this.schemaId = schemaId;
    this.reader = new GenericDatumReader<>(schema);
    this.rules = Constraints.compile(schema);
  }

  public Schema schema() {
    return schema;
  }

  public Verdict check(byte[] bytes) {
    if (bytes == null) return invalid("bad-wire-format", null, "record has no value (a tombstone)");
    if (bytes.length < 5) return invalid("bad-wire-format", null, "truncated: " + bytes.length + " bytes, a wire-format record starts with a magic byte and a 4-byte schema id");
    if (bytes[0] != 0) return invalid("bad-wire-format", null, String.format("magic byte is 0x%02x, expected 0x00", bytes[0] & 0xff));
    int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
    if (id != schemaId) return invalid("schema-id-mismatch", null, "schema id " + id + " where " + schema.getName() + " (id " + schemaId + ") is expected");
    GenericRecord value;
    try {
      decoder = DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, decoder);
      value = reader.read(null, decoder);
      if (!decoder.isEnd()) return invalid("bad-wire-format", null, "malformed: bytes left after the end of the record");
    } catch (EOFException error) {
      return invalid("bad-wire-format", null, "truncated: " + error.getMessage());
    } catch (IOException | RuntimeException | OutOfMemoryError error) {
      // Avro reports bad bytes with several exception types (AvroRuntimeException, UnsupportedOperationException for
      // a length beyond its limits, array index errors): all mean the body is not a record of the schema
      return invalid("bad-wire-format", null, "malformed: " + error.getMessage());
    }
    List<Object> badPath = new ArrayList<>();
    String problem = wellFormed(schema, value, badPath);
    if (problem != null) return invalid("bad-wire-format", Constraints.formatPath(badPath), problem);
    Constraints.Violation violation = rules == null ? null : rules.check(value);
    if (violation != null) {
      String field = Constraints.formatPath(violation.path());
      return invalid("constraint", field, field + ": " + violation.message());
    }
    return new Verdict(value, null, null, null);
  }

  private static Verdict invalid(String reason, String field, String error) {
    return new Verdict(null, reason, field == null || field.isEmpty() ? null : field, error);
  }

  /**
   * What Avro's Java decoder lets through but Weir's reader refuses: strings that are not UTF-8 and longs
   * beyond the numbers JavaScript holds exactly. Returns the problem, filling `path`, or null.
   */
  private static String wellFormed(Schema schema, Object value, List<Object> path) {
    switch (schema.getType()) {
      case STRING -> {
        if (!isUtf8((Utf8) value)) return "malformed: a string is not valid UTF-8";
      }
      case LONG -> {
        long number = (Long) value;
        if (number > MAX_LONG || number < -MAX_LONG) return "malformed: long " + number + " is outside ±(2^53 − 2)";
      }
      case ARRAY -> {
        List<?> items = (List<?>) value;
        for (int index = 0; index < items.size(); index++) {
          path.add(index);
          String problem = wellFormed(schema.getElementType(), items.get(index), path);
          if (problem != null) return problem;
          path.remove(path.size() - 1);
        }
      }
      case UNION -> {
        if (value != null) {
          Schema branch = schema.getTypes().get(GenericData.get().resolveUnion(schema, value));
          return wellFormed(branch, value, path);
        }
      }
      case RECORD -> {
        GenericRecord record = (GenericRecord) value;
        for (Schema.Field field : schema.getFields()) {
          path.add(field.name());
          String problem = wellFormed(field.schema(), record.get(field.pos()), path);
          if (problem != null) return problem;
          path.remove(path.size() - 1);
        }
      }
      default -> {
        // other types carry no bytes Weir would read differently
      }
    }
    return null;
  }

  private static boolean isUtf8(Utf8 text) {
    byte[] bytes = text.getBytes();
    int length = text.getByteLength();
    for (int index = 0; index < length; index++) {
      if (bytes[index] < 0) {
        try {
          StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes, 0, length));
          return true;
        } catch (CharacterCodingException error) {
          return false;
        }
      }
    }
    return true;
  }

  /** The record as Weir writes a valid one: JSON with the schema's field order. */
  public static String toJson(GenericRecord record) {
    return GenericData.get().toString(record);
  }
}
