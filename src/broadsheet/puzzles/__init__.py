"""Daily puzzles: a sudoku at four levels, a crossword and a mini from the week's news."""
