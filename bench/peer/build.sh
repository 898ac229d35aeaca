#!/usr/bin/env bash
# Builds the Kafka Streams peer (and fetches kafka-tools for the broker's own limit) into bench/peer/target/,
# once: a rerun with unchanged sources only prints the classpath. Prints the classpath on stdout.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jar="$here/target/weir-peer-streams-1.jar"
if [[ ! -f "$jar" || -n "$(find "$here/pom.xml" "$here/src" -newer "$jar" -print -quit)" ]]; then
  nice -n 15 mvn -q -B -f "$here/pom.xml" package -DskipTests >&2
fi
echo "$jar:$here/target/lib/*"
