#!/usr/bin/env python3
"""A large mbox for timing: N small messages, senders and topics repeating. Usage: genmbox.py N FILE"""
import sys
n=int(sys.argv[1]); out=open(sys.argv[2],'w')
for i in range(n):
    out.write("From sender%d@example.org Mon Nov 30 10:00:00 2026\n"%(i%500))
    out.write("From: Sender %d <sender%d@example.org>\nTo: big@example.com\nSubject: message %d about topic %d\nDate: Mon, 30 Nov 2026 10:00:00 +0000\nMessage-ID: <%d@gen.example.org>\n\nBody of message %d.\nSome more text here.\n\n"%(i%500,i%500,i,i%97,i,i))
out.close()
