package dev.weir.peer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;

/**
 * The peer's verdicts on sample records, to compare with Weir's (bench/peer/compare-validation.ts): reads one
 * base64 wire-format record per line on stdin, prints `ok` or `<reason>\t<field>` per line.
 *
 *   java -cp 'target/weir-peer-streams-1.jar:target/lib/*' dev.weir.peer.CheckRecords <avsc> <schema-id>
 */
public final class CheckRecords {
  private CheckRecords() {}

  public static void main(String[] args) throws IOException {
    EdgeEventValidator validator = new EdgeEventValidator(Path.of(args[0]), Integer.parseInt(args[1]));
    BufferedReader input = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    StringBuilder out = new StringBuilder();
    for (String line = input.readLine(); line != null; line = input.readLine()) {
      EdgeEventValidator.Verdict verdict = validator.check(Base64.getDecoder().decode(line));
      out.append(verdict.ok() ? "ok" : verdict.reason() + "\t" + (verdict.field() == null ? "" : verdict.field())).append('\n');
    }
    System.out.print(out);
  }
}
