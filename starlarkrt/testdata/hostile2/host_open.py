# want: error:undefined: open
# open() does not exist.
def main():
    return open('/etc/passwd').read()
