"""Reference computations for the interactive explorers, done with torch.

Each module computes, for a handful of settings, the numbers its page's widget
shows, so a browser test can set the widget to them and compare.
"""
