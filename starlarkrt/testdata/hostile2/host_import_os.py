# want: error:os
# import os is refused.
import os
def main():
    return os.listdir('/')
