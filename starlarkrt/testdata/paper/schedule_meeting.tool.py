from datetime import datetime, timedelta

def find_earliest_time_slot(a_availability, b_availability, meeting_duration):
    a_availability = [(datetime.strptime(start, '%H:%M'), datetime.strptime(end, '%H:%M')) for start, end in a_availability]
    b_availability = [(datetime.strptime(start, '%H:%M'), datetime.strptime(end, '%H:%M')) for start, end in b_availability]

    for a_start, a_end in a_availability:
        for b_start, b_end in b_availability:
            latest_start = max(a_start, b_start)
            earliest_end = min(a_end, b_end)

            if earliest_end - latest_start >= timedelta(minutes=meeting_duration):
                return latest_start.strftime('%H:%M'), (latest_start + timedelta(minutes=meeting_duration)).strftime('%H:%M')

    return None
