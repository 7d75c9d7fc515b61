# Multi-stage build: dependencies are compiled in their own layer (cached until Cargo.toml or
# Cargo.lock change), the runtime is distroless and non-root. TLS is rustls: no OpenSSL.
# The production binary has no fixture kit (`--no-default-features --features mimalloc`).
FROM rust:1-slim-bookworm AS build
WORKDIR /src
ARG FEATURES="--no-default-features --features mimalloc"
# The workspace's manifests (the bench crate's only for the workspace to load; nothing of it is
# built) and a placeholder main.rs/lib.rs, so this layer builds only the dependencies.
COPY Cargo.toml Cargo.lock ./
COPY bench/Cargo.toml ./bench/
RUN mkdir -p src && echo 'fn main() {}' > src/main.rs && echo '' > src/lib.rs \
    && cargo build --release --locked $FEATURES --bin intentful
COPY src ./src
COPY intents ./intents
RUN touch src/main.rs src/lib.rs && cargo build --release --locked $FEATURES --bin intentful \
    && strip target/release/intentful

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/intentful /usr/local/bin/intentful
ENV INTENTFUL_LOG__FORMAT=json
EXPOSE 8080
USER nonroot
ENTRYPOINT ["/usr/local/bin/intentful"]
CMD ["serve"]
