"""The retrieval sources and what they share; `context.retrieval.retrieve` runs and fuses them.

- `focus`: the names around the cursor, from a small lexer;
- `bindings`: what a name means in a file, through its imports and the index;
- `outline`: definitions rendered as signatures and outlines;
- `definitions`, `scope`, `similar`, `recent`: the four sources;
- `fusion`: reciprocal-rank fusion of their lists.
"""
