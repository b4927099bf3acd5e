#!/bin/sh
# Generate a self-signed TLS certificate for the IT Glue simulator.
#   usage: test/sim/make_cert.sh DIR
# Writes DIR/cert.pem and DIR/key.pem, valid for 127.0.0.1 and localhost.
# Generated files are test artefacts: never commit them.
set -eu
dir=${1:?usage: $0 DIR}
mkdir -p "$dir"
openssl req -x509 -newkey rsa:2048 -nodes -days 365 \
    -keyout "$dir/key.pem" -out "$dir/cert.pem" \
    -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    >/dev/null 2>&1
echo "$dir/cert.pem $dir/key.pem"
