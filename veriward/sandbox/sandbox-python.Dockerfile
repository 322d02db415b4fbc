# Runner image for veriward's Docker sandbox, for hosts that can reach a registry.
# Without one, `veriward sandbox build-image` builds the same image with debootstrap + docker import.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-pytest bubblewrap \
 && rm -rf /var/lib/apt/lists/* /usr/share/doc /usr/share/man
ENV PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8
LABEL veriward.sandbox.packages=python3,python3-pytest,bubblewrap
USER 65534:65534
CMD ["python3"]
