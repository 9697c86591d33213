"""What the tests, the benchmarks and the screenshot script share (an SMTP server on loopback,
the way to start Debian's Chromium here). Never imported by the portal itself."""
