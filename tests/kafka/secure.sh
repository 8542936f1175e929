# shellcheck shell=bash
# The `secure` cluster of tests/kafka/kafka.sh (sourced by it; see README.md "The secure cluster"):
# TLS material, the broker's security settings, SCRAM users, ACLs and the local OIDC provider.
# Uses kafka.sh's globals and helpers (cdir, ndir, log, die, run_tool, now, CACHE_ROOT, HERE, ...).

# CA, broker and client certificates, and the OIDC signing key: generated once per cache, shared by
# every secure cluster (they outlive `down`, so clients may keep pointing at the same paths).
TLS_DIR="$CACHE_ROOT/tls"
TLS_VERSION=1 # bump when the generated material changes: it is then regenerated

# Users (the passwords are fixed test values, documented in README.md).
ADMIN_USER=admin ADMIN_PASSWORD=admin-secret
ALICE_USER=alice ALICE_PASSWORD=alice-secret
SASL_MECHANISMS="PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER"
OIDC_AUDIENCE=edgekafka # the tokens' `aud`, which Kafka 4.4 insists on checking

is_secure() { [[ "${SECURE:-}" == 1 ]]; } # of the loaded cluster

tls_ready() { [[ -f "$TLS_DIR/.complete" && "$(cat "$TLS_DIR/.complete")" == "$TLS_VERSION" ]]; }

# Writes an openssl extension section file and signs $2.csr with the CA into $2.pem ($1 = section).
tls_sign() {
  local section="$1" name="$2" dir="$3"
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
    -days 3650 -sha256 -extfile "$dir/ext.cnf" -extensions "$section" -out "$dir/$name.pem" 2>/dev/null
  rm -f "$dir/$name.csr"
}

ensure_tls() {
  tls_ready && return 0
  command -v openssl >/dev/null || die "openssl is required for the secure cluster"
  mkdir -p "$CACHE_ROOT"
  (
    exec 7>"$CACHE_ROOT/.tls.lock"
    flock -w "$LOCK_TIMEOUT" 7 || die "timed out waiting for another kafka.sh generating $TLS_DIR"
    tls_ready && exit 0
    log "generating a CA, broker and client certificates and an OIDC key into $TLS_DIR ..."
    local t="$TLS_DIR.tmp"
    rm -rf "$t" && mkdir -p "$t"
    # rustls (Deno, workerd) refuses a self-signed certificate as the server's own and wants X.509 v3
    # extensions on both ends, so: a real CA -> leaf chain with basicConstraints/keyUsage/EKU/SAN.
    cat >"$t/ext.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = edgekafka test CA
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
[client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
EOF
    {
      # other-ca.pem signed nothing here: for tests of a trust store that does not know the broker.
      local ca
      for ca in ca other-ca; do
        openssl req -x509 -new -newkey rsa:2048 -noenc -sha256 -days 3650 -config "$t/ext.cnf" -extensions ca \
          -subj "/CN=edgekafka $ca test" -keyout "$t/$ca.key" -out "$t/$ca.pem"
      done
      openssl req -new -newkey rsa:2048 -noenc -subj "/CN=localhost" -keyout "$t/broker.key" -out "$t/broker.csr"
      tls_sign server broker "$t"
      openssl req -new -newkey rsa:2048 -noenc -subj "/CN=alice" -keyout "$t/client.key" -out "$t/client.csr"
      tls_sign client client "$t"
      openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$t/oidc.key"
    } 2>"$t/openssl.log" || { cat "$t/openssl.log" >&2; die "openssl failed"; }
    # Kafka's PEM key store: one file, the (unencrypted PKCS#8) key then the chain leaf -> CA.
    cat "$t/broker.key" "$t/broker.pem" "$t/ca.pem" >"$t/broker-keystore.pem"
    cat "$t/broker.pem" "$t/ca.pem" >"$t/broker-chain.pem"
    rm -f "$t/other-ca.key" "$t/ca.srl" "$t/openssl.log"
    chmod 600 "$t"/*.key "$t/broker-keystore.pem"
    echo "$TLS_VERSION" >"$t/.complete"
    rm -rf "$TLS_DIR"
    mv "$t" "$TLS_DIR"
  )
}

# Extra cluster.env lines of a new secure cluster; $@ = its free ports after PORT_1 and CTRL_1.
secure_env() {
  echo "SECURE=1"
  echo "PORT_SSL=$1"
  echo "PORT_SASL_PLAINTEXT=$2"
  echo "PORT_INTERNAL=$3"
  echo "PORT_OIDC=$4"
  echo "REAUTH_MS=${EDGEKAFKA_REAUTH_MS:-}"
}
SECURE_EXTRA_PORTS=4

# The admin's client settings for Kafka's tools (TopicCommand, AclCommand, FeatureCommand, ...).
admin_config() { printf '%s/admin.properties' "$(cdir "$1")"; }

write_admin_config() {
  cat >"$(admin_config "$1")" <<EOF
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$ADMIN_USER" password="$ADMIN_PASSWORD";
ssl.truststore.type=PEM
ssl.truststore.location=$TLS_DIR/ca.pem
EOF
}

# kcat options of the admin over the SASL_SSL listener (health and topic checks). PLAIN, because the
# librdkafka of Debian's kcat (2.0.2) fails SCRAM against Kafka 4 brokers (fixed in librdkafka 2.6.1,
# https://github.com/edenhill/kcat/issues/462); Kafka's own tools use SCRAM-SHA-512 (admin.properties).
secure_kcat_args() {
  KCAT_SEC=(-X security.protocol=SASL_SSL -X sasl.mechanisms=PLAIN -X "sasl.username=$ADMIN_USER"
    -X "sasl.password=$ADMIN_PASSWORD" -X "ssl.ca.location=$TLS_DIR/ca.pem")
}

# The tools' `--command-config` for the loaded cluster (nothing for a plaintext one).
tool_security_args() {
  TOOL_SEC=()
  is_secure && TOOL_SEC=(--command-config "$(admin_config "$1")")
  return 0
}

jwks_url() { printf 'http://127.0.0.1:%s/jwks' "$PORT_OIDC"; }
token_url() { printf 'http://127.0.0.1:%s/token' "$PORT_OIDC"; }

# JVM options of a secure broker: Kafka 4 fetches OAuth URLs only when they are allow-listed.
secure_java_opts() {
  SECURE_OPTS=()
  is_secure && SECURE_OPTS=("-Dorg.apache.kafka.sasl.oauthbearer.allowed.urls=$(jwks_url),$(token_url)")
  return 0
}

write_secure_server_properties() { # cluster loaded; $1 cluster, $2 node id (always 1)
  local c="$1" id="$2" d l plain
  d="$(ndir "$c" "$id")"
  mkdir -p "$d/data" "$d/logs"
  plain="org.apache.kafka.common.security.plain.PlainLoginModule required"
  {
    cat <<EOF
# Generated by tests/kafka/kafka.sh for the secure cluster '$c' (Kafka $KAFKA_VERSION).
process.roles=broker,controller
node.id=$id
controller.quorum.voters=$id@127.0.0.1:$CTRL_1
listeners=SASL_SSL://127.0.0.1:$PORT_1,SSL://127.0.0.1:$PORT_SSL,SASL_PLAINTEXT://127.0.0.1:$PORT_SASL_PLAINTEXT,INTERNAL://127.0.0.1:$PORT_INTERNAL,CONTROLLER://127.0.0.1:$CTRL_1
advertised.listeners=SASL_SSL://127.0.0.1:$PORT_1,SSL://127.0.0.1:$PORT_SSL,SASL_PLAINTEXT://127.0.0.1:$PORT_SASL_PLAINTEXT,INTERNAL://127.0.0.1:$PORT_INTERNAL
listener.security.protocol.map=SASL_SSL:SASL_SSL,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,INTERNAL:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=INTERNAL
log.dirs=$d/data

# Authorization: only admin (also the broker's own identity on INTERNAL and CONTROLLER) is super.
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:$ADMIN_USER
allow.everyone.if.no.acl.found=false

# TLS: PEM key store (key + chain) and trust store (the test CA).
ssl.keystore.type=PEM
ssl.keystore.location=$TLS_DIR/broker-keystore.pem
ssl.truststore.type=PEM
ssl.truststore.location=$TLS_DIR/ca.pem
listener.name.ssl.ssl.client.auth=required
listener.name.ssl.ssl.principal.mapping.rules=RULE:^CN=([^,]+)\$/\$1/,DEFAULT

# SASL: the broker's own connections use PLAIN as admin.
sasl.enabled.mechanisms=$SASL_MECHANISMS
sasl.mechanism.inter.broker.protocol=PLAIN
sasl.mechanism.controller.protocol=PLAIN
listener.name.internal.sasl.enabled.mechanisms=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.internal.plain.sasl.jaas.config=$plain username="$ADMIN_USER" password="$ADMIN_PASSWORD" user_$ADMIN_USER="$ADMIN_PASSWORD";
listener.name.controller.plain.sasl.jaas.config=$plain username="$ADMIN_USER" password="$ADMIN_PASSWORD" user_$ADMIN_USER="$ADMIN_PASSWORD";
sasl.oauthbearer.jwks.endpoint.url=$(jwks_url)
sasl.oauthbearer.expected.audience=$OIDC_AUDIENCE
sasl.oauthbearer.expected.issuer=http://127.0.0.1:$PORT_OIDC
EOF
    for l in sasl_ssl sasl_plaintext; do
      cat <<EOF
listener.name.$l.plain.sasl.jaas.config=$plain user_$ADMIN_USER="$ADMIN_PASSWORD" user_$ALICE_USER="$ALICE_PASSWORD";
listener.name.$l.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.$l.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.$l.oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;
listener.name.$l.oauthbearer.sasl.server.callback.handler.class=org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler
EOF
    done
    [[ -n "$REAUTH_MS" ]] && echo "connections.max.reauth.ms=$REAUTH_MS"
    cat <<EOF

auto.create.topics.enable=false
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
share.coordinator.state.topic.num.partitions=4
group.initial.rebalance.delay.ms=0
log.cleaner.dedupe.buffer.size=33554432
num.recovery.threads.per.data.dir=1
EOF
  } >"$d/server.properties"
}

# StorageTool format arguments: the SCRAM credentials, written into the bootstrap metadata.
secure_format_args() {
  local m u
  for m in SCRAM-SHA-256 SCRAM-SHA-512; do
    for u in "$ADMIN_USER=$ADMIN_PASSWORD" "$ALICE_USER=$ALICE_PASSWORD"; do
      printf '%s\n' --add-scram "$m=[name=${u%%=*},password=${u#*=}]"
    done
  done
}

# alice's ACLs (see SecureAcls.java): topics and transactional ids whose names start with `alice-`.
secure_acls() {
  run_tool broker "$HERE/SecureAcls.java" "127.0.0.1:$PORT_1" "$(admin_config "$1")" "User:$ALICE_USER" "$ALICE_USER-" \
    >"$(cdir "$1")/acls.log" 2>&1 || { cat "$(cdir "$1")/acls.log" >&2; return 1; }
}

# Stops node $2 of cluster $1 gracefully (SIGTERM, SIGKILL after $STOP_TIMEOUT s), to restart it.
secure_stop_node() {
  local c="$1" id="$2" pid i
  pid="$(node_pid "$c" "$id")"
  [[ -n "$pid" ]] || return 0
  kill -CONT "$pid" 2>/dev/null || true
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do [[ -z "$(node_pid "$c" "$id")" ]] && return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do [[ -z "$(node_pid "$c" "$id")" ]] && return 0; sleep 0.1; done
}

# The `key=value` lines of `up` for a secure cluster (loaded).
secure_lines() {
  echo "bootstrap=127.0.0.1:$PORT_1"
  echo "sasl_ssl=127.0.0.1:$PORT_1"
  echo "ssl=127.0.0.1:$PORT_SSL"
  echo "sasl_plaintext=127.0.0.1:$PORT_SASL_PLAINTEXT"
  echo "ca=$TLS_DIR/ca.pem"
  echo "client_cert=$TLS_DIR/client.pem"
  echo "client_key=$TLS_DIR/client.key"
  echo "token_url=$(token_url)"
}

# ---------------------------------------------------------------------------------------------------
# The OIDC provider (tests/kafka/oidc_server.mjs): $(cdir)/oidc/{pid,stdout.log}
# ---------------------------------------------------------------------------------------------------
oidc_dir() { printf '%s/oidc' "$(cdir "$1")"; }

oidc_pid() { # prints the pid if the recorded process is our OIDC server of cluster $1
  local d pid
  d="$(oidc_dir "$1")"
  pid="$(cat "$d/pid" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ && -r "/proc/$pid/cmdline" ]] || return 0
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "--state $d " || return 0
  local stat st
  stat="$(cat "/proc/$pid/stat" 2>/dev/null || true)"
  st="${stat##*) }"; st="${st%% *}"
  [[ "$st" == Z || "$st" == X || -z "$st" ]] && return 0
  echo "$pid"
}

oidc_up() { # $1 cluster (loaded): starts the server unless it runs, waits until it serves the JWKS
  local c="$1" d i
  d="$(oidc_dir "$c")"
  [[ -n "$(oidc_pid "$c")" ]] && return 0
  command -v node >/dev/null || die "node is required for the secure cluster's OIDC server"
  mkdir -p "$d"
  rm -f "$d/pid"
  (
    cd /
    for f in /proc/self/fd/*; do
      f="${f##*/}"
      [[ "$f" =~ ^[0-9]+$ && "$f" -gt 2 && "$f" -ne 255 ]] && eval "exec $f>&-" 2>/dev/null
    done
    exec setsid bash -c 'echo "$$" >"$1"; shift; exec "$@"' _ "$d/pid" \
      node "$HERE/oidc_server.mjs" --port "$PORT_OIDC" --key "$TLS_DIR/oidc.key" --kid edgekafka-test --audience "$OIDC_AUDIENCE" \
      --clients "$ALICE_USER:$ALICE_PASSWORD,$ADMIN_USER:$ADMIN_PASSWORD" --state "$d"
  ) </dev/null >>"$d/stdout.log" 2>&1 &
  for ((i = 0; i < 100; i++)); do
    if [[ -s "$d/pid" ]] && timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$PORT_OIDC" 2>/dev/null; then
      log "OIDC server of cluster '$c' on $(token_url) (pid $(cat "$d/pid"))"
      return 0
    fi
    sleep 0.1
  done
  tail -n 20 "$d/stdout.log" >&2 2>/dev/null || true
  die "the OIDC server of cluster '$c' did not start"
}

oidc_down() { # $1 cluster
  local c="$1" pid i
  pid="$(oidc_pid "$c")"
  [[ -n "$pid" ]] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do [[ -z "$(oidc_pid "$c")" ]] && break; sleep 0.1; done
  [[ -n "$(oidc_pid "$c")" ]] && kill -KILL "$pid" 2>/dev/null
  rm -f "$(oidc_dir "$c")/pid"
  log "stopped the OIDC server of cluster '$c' (pid $pid)"
}
