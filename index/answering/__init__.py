"""The answering service: one question in, one cited `Answer` out, for every surface."""
