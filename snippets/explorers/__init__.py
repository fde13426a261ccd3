"""Reference computations for the interactive explorers, done with torch at build time.

Each module computes, for a handful of settings, the numbers its page's widget shows, so a
browser test can set the widget to those settings and compare.
"""
