"""Schools, grades, subjects, classes, teachers, students and their relations."""
