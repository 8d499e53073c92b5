def answer(args):
    return False
