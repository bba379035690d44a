a_availability = [('12:00', '12:30'), ('13:00', '13:30'), ('14:30', '15:30'), ('17:30', '18:00')]
b_availability = [('09:00', '11:00'), ('12:00', '12:30'), ('13:00', '13:30'), ('15:30', '16:30'), ('17:30', '18:00')]
meeting_duration = 60

ret = find_earliest_time_slot(a_availability, b_availability, meeting_duration)
ans = ret if ret else "No time slot works."
