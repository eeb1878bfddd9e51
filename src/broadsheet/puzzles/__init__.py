"""Puzzles printed alongside the briefing: the daily sudoku (see ``broadsheet.puzzles.sudoku``)."""
