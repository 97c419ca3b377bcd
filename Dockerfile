# hookcli's relay in a container. At the repository root because the build
# context is the whole crate (build.rs embeds fixtures/, Cargo.toml names the
# benches), and so `docker build -t hookcli .` needs no -f:
#
#   docker build -t hookcli .
#   docker run -d -p 8788:8788 -e HOOKCLI_RELAY_TOKEN=... hookcli
#
# The image speaks plain HTTP on 8788: put TLS in front of it (deploy/nginx.conf),
# or pass --tls-cert/--tls-key and drop the health check, which speaks HTTP.

# Build: the toolchain the project is tested with, the lock file as committed.
ARG RUST_VERSION=1.95
FROM rust:${RUST_VERSION}-bookworm AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin hookcli \
 && install -D -m 0755 target/release/hookcli /out/hookcli

# Run: the binary links only glibc (rustls, SQLite built in), so a slim Debian
# of the same release as the builder is enough. bash stays for the health
# check; ca-certificates for TLS to a database.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/hookcli-relay \
      --create-home --shell /usr/sbin/nologin hookcli
COPY --from=build /out/hookcli /usr/local/bin/hookcli
USER hookcli
WORKDIR /var/lib/hookcli-relay
EXPOSE 8788
# GET /healthz with bash alone: no curl in the image.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8788 && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q '\"ok\":true' <&3"]
ENTRYPOINT ["hookcli"]
CMD ["relay", "--bind", "0.0.0.0:8788", "--buffer", "/var/lib/hookcli-relay"]
