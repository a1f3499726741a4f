"""The errors procsim raises."""

from collections import namedtuple

Problem = namedtuple("Problem", "file line column path message")
Problem.__doc__ = """One problem in a scenario: its file, 1-based line and column (None
when the problem concerns the whole file), key path and message."""


class ScenarioError(ValueError):
    """A scenario that does not validate.

    ``problems`` lists every problem found, in file order; ``file``,
    ``line``, ``column``, ``path`` and ``message`` are those of the first.
    ``str(e)`` is what ``procsim validate`` prints: one
    ``error: FILE:LINE:COL: PATH: MESSAGE`` line per problem.
    """

    def __init__(self, text, problems):
        super().__init__(text)
        self.problems = [Problem(*p) for p in problems] or [Problem(None, None, None, "", text)]
        self.file, self.line, self.column, self.path, self.message = self.problems[0]
