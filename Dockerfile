# An image holding only /usher, for other Dockerfiles to copy from:
#
#   make && docker build -t usher .
#   # then, in any Dockerfile:  COPY --from=usher /usher /usher
#
# USHER_BIN picks another binary of the build context, e.g. a release one:
#   docker build --build-arg USHER_BIN=dist/usher-arm64 --platform linux/arm64 -t usher:arm64 .
# One multi-arch image from all of dist/ (make release): release/Dockerfile.
FROM scratch
ARG USHER_BIN=usher
COPY ${USHER_BIN} /usher
ENTRYPOINT ["/usher"]
CMD ["--version"]
