a_availability = [('08:30', '09:00'), ('10:00', '10:30'), ('11:00', '13:00'), ('13:30', '15:30'), ('16:30', '17:30')]
b_availability = [('08:00', '09:30'), ('10:00', '10:30'), ('11:00', '11:30'), ('12:00', '14:30'), ('15:00', '16:00'), ('16:30', '17:00')]
meeting_duration = 60

ret = find_earliest_time_slot(a_availability, b_availability, meeting_duration)
ans = ret if ret else "No time slot works."
