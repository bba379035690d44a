# want: error:not available
# load() of another file.
load('/etc/passwd', 'x')
def main():
    return 1
