# Multi-stage build: dependencies are compiled in their own layer (cached until Cargo.toml or
# Cargo.lock change), the runtime is distroless and non-root. TLS is rustls: no OpenSSL.
FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
# Stubs for every target the manifest names (the bench too: cargo refuses a manifest whose
# declared target file is missing), so this layer builds only the dependencies.
RUN mkdir -p src intents benches && echo 'fn main() {}' > src/main.rs && echo '' > src/lib.rs \
    && echo 'fn main() {}' > benches/upstream_overhead.rs \
    && cargo build --release --locked
COPY src ./src
COPY intents ./intents
RUN touch src/main.rs src/lib.rs && cargo build --release --locked --bin intentful \
    && strip target/release/intentful

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/intentful /usr/local/bin/intentful
ENV INTENTFUL_LOG__FORMAT=json
EXPOSE 8080
USER nonroot
ENTRYPOINT ["/usr/local/bin/intentful"]
CMD ["serve"]
