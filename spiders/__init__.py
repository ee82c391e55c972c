"""One Scrapy spider per news site; the file name is the spider's `name`."""
