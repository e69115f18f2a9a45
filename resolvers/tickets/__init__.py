"""Tickets: filing, the queue, the lifecycle, replies and notes, the thread, classification, the close sweep, and
who may see which ticket."""
