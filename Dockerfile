# Multi-stage build: a static erpbridge binary on an empty base, run as a
# non-root user. Mount the config at /etc/erpbridge/erpbridge.yaml (set
# http.listen to 0.0.0.0:8080 in it) and keep the SQLite state store on the
# /var/lib/erpbridge volume.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/erpbridge/erpbridge/internal/version.Version=${VERSION}" \
      -o /out/erpbridge ./cmd/erpbridge \
 && mkdir -p /out/etc/erpbridge /out/var/lib/erpbridge \
 && cp config/example.yaml /out/etc/erpbridge/erpbridge.yaml \
 && echo 'erpbridge:x:10001:10001::/var/lib/erpbridge:/sbin/nologin' > /out/etc/passwd \
 && echo 'erpbridge:x:10001:' > /out/etc/group \
 && chown -R 10001:10001 /out/var/lib/erpbridge

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=build /out/ /
ENV ERPBRIDGE_CONFIG=/etc/erpbridge/erpbridge.yaml
WORKDIR /var/lib/erpbridge
VOLUME ["/etc/erpbridge", "/var/lib/erpbridge"]
EXPOSE 8080
USER 10001:10001
ENTRYPOINT ["/erpbridge"]
CMD ["serve"]
