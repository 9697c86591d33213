"""What the tests, the benchmarks and the screenshot script share (an SMTP server on loopback,
the way to start Debian's Chromium here), and the local mail of ``./dev run`` (``devtools.mail``:
one readable .eml file a message, shown at /dev/mail/). Never imported by the portal itself:
with DEBUG on, the settings and URLs name the local mail by its dotted path only."""
