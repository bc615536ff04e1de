"""Thin routes: parse, call one use case, render."""

API_PREFIX = "/api"
