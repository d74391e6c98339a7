# Rebound's container image: Debian bookworm, two stages, non-root.
#
#   docker build --build-arg REBOUND_REVISION=$(git rev-parse --short=12 HEAD) -t rebound:0.1.0 .
#
# The build stage installs the build dependencies (scripts/setup.sh --build) and runs
# scripts/build-release.sh, the script CI's Release step runs (scripts/test.sh): the same
# Release build, install check and .deb. The runtime stage installs that .deb with apt-get,
# which brings exactly the runtime libraries dpkg-shlibdeps recorded in it (and tzdata), and
# nothing of the tool chain. The image is not built in CI here (no Docker on the CI machine);
# tests/deploy/dockerfile_test.py checks that it names only scripts that exist and installs the
# .deb, and CI runs build-release.sh itself.
FROM debian:bookworm AS build
WORKDIR /src
COPY scripts/setup.sh scripts/
RUN scripts/setup.sh --build && rm -rf /var/lib/apt/lists/*
COPY . .
# .git is not in the build context (.dockerignore): the revision comes in as an argument.
ARG REBOUND_REVISION=unknown
RUN REBOUND_REVISION=$REBOUND_REVISION scripts/build-release.sh && cp build-release/deb/rebound_*.deb /rebound.deb

FROM debian:bookworm
# A fixed numeric id, so Kubernetes' runAsNonRoot can check it (deploy/base/deployment.yaml).
RUN useradd --system --uid 10001 --user-group --no-create-home --home-dir /var/lib/rebound \
      --shell /usr/sbin/nologin rebound
COPY --from=build /rebound.deb /tmp/rebound.deb
RUN apt-get update \
 && apt-get install -y --no-install-recommends /tmp/rebound.deb \
 && rm -rf /var/lib/apt/lists/* /tmp/rebound.deb \
 && install -d -o rebound -g rebound -m 0750 /var/lib/rebound
USER 10001:10001
EXPOSE 9464
VOLUME /var/lib/rebound
ENTRYPOINT ["/usr/bin/rebound"]
CMD ["run", "-c", "/etc/rebound/rebound.yaml"]
