"""Detecting a model's vital layers: bypass each block, score the change, report and chart."""
