"""nbgrader's configuration: this repository is the course directory.

Instructors edit solutions/<assignment>/<notebook>.ipynb (nbgrader's
source) and generate the student versions into assignments/ (nbgrader's
release), which are committed; `convlab assignments build` does it and
checks them. submitted/, autograded/, feedback/ and gradebook.db are
per-class data and git-ignored.
"""
c = get_config()  # noqa: F821  (provided by nbgrader when it reads this file)

c.CourseDirectory.root = "."
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignments"
c.CourseDirectory.course_id = "convlab"

# A slow or looping cell fails on its own instead of stalling the class.
c.ExecutePreprocessor.timeout = 120
c.Execute.timeout = 120

# Released notebooks keep the instructions, lose the solutions.
c.ClearSolutions.code_stub = {
    "python": "# YOUR CODE HERE\nraise NotImplementedError()",
}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE / CÂU TRẢ LỜI CỦA BẠN"

# Output on stderr (a NumPy RuntimeWarning, warnings.warn, print(...,
# file=sys.stderr)) costs no points: nbgrader would give 0 to its test cell.
# nbgrader's own list, convlab's StderrToStdout after Execute and
# IgnorePattern (which only looks at stderr).
c.Autograde.autograde_preprocessors = [
    "nbgrader.preprocessors.Execute",
    "nbgrader.preprocessors.IgnorePattern",
    "convlab.classroom.feedback.StderrToStdout",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# Feedback shows whether the hidden tests passed, with the hint, never their
# source (convlab/classroom/feedback.py); nbgrader's own two come first.
c.GenerateFeedback.exporter_class = "convlab.classroom.feedback.FeedbackExporter"
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "convlab.classroom.feedback.HideHiddenTests",
]
